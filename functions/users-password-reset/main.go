// Command users-password-reset is the Lambda function behind POST /v1/users/{id}/password-reset.
package main

import "github.com/usherhq/usher/pkg/app"

func main() { app.StartRoute("users-password-reset") }
