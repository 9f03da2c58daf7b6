// Command password-reset-complete is the Lambda function behind POST /v1/password-reset/complete.
package main

import "github.com/usherhq/usher/pkg/app"

func main() { app.StartRoute("password-reset-complete") }
