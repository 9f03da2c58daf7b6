// Command users-list is the Lambda function behind GET /v1/users.
package main

import "github.com/usherhq/usher/pkg/app"

func main() { app.StartRoute("users-list") }
