// Command password-validate is the Lambda function behind POST /v1/password/validate.
package main

import "github.com/usherhq/usher/pkg/app"

func main() { app.StartRoute("password-validate") }
