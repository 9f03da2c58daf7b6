// Command invitations-batch is the Lambda function behind POST /v1/invitations/batch.
package main

import "github.com/usherhq/usher/pkg/app"

func main() { app.StartRoute("invitations-batch") }
