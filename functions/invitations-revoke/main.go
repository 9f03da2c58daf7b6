// Command invitations-revoke is the Lambda function behind DELETE /v1/invitations/{id}.
package main

import "github.com/usherhq/usher/pkg/app"

func main() { app.StartRoute("invitations-revoke") }
