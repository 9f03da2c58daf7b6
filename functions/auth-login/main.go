// Command auth-login is the Lambda function behind POST /v1/auth/login.
package main

import "github.com/usherhq/usher/pkg/app"

func main() { app.StartRoute("auth-login") }
