// Command invitations-preview is the Lambda function behind POST /v1/invitations/preview.
package main

import "github.com/usherhq/usher/pkg/app"

func main() { app.StartRoute("invitations-preview") }
