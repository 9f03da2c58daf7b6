// Command invitations-create is the Lambda function behind POST /v1/invitations.
package main

import "github.com/usherhq/usher/pkg/app"

func main() { app.StartRoute("invitations-create") }
