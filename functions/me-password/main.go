// Command me-password is the Lambda function behind PUT /v1/me/password.
package main

import "github.com/usherhq/usher/pkg/app"

func main() { app.StartRoute("me-password") }
