// Command invitations-get is the Lambda function behind GET /v1/invitations/{id}.
package main

import "github.com/usherhq/usher/pkg/app"

func main() { app.StartRoute("invitations-get") }
