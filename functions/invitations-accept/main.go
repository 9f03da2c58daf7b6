// Command invitations-accept is the Lambda function behind POST /v1/invitations/accept.
package main

import "github.com/usherhq/usher/pkg/app"

func main() { app.StartRoute("invitations-accept") }
