// Command invitations-list is the Lambda function behind GET /v1/invitations.
package main

import "github.com/usherhq/usher/pkg/app"

func main() { app.StartRoute("invitations-list") }
