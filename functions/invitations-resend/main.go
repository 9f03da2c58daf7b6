// Command invitations-resend is the Lambda function behind POST /v1/invitations/{id}/resend.
package main

import "github.com/usherhq/usher/pkg/app"

func main() { app.StartRoute("invitations-resend") }
