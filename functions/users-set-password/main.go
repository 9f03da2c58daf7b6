// Command users-set-password is the Lambda function behind PUT /v1/users/{id}/password.
package main

import "github.com/usherhq/usher/pkg/app"

func main() { app.StartRoute("users-set-password") }
