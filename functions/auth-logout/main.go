// Command auth-logout is the Lambda function behind POST /v1/auth/logout.
package main

import "github.com/usherhq/usher/pkg/app"

func main() { app.StartRoute("auth-logout") }
