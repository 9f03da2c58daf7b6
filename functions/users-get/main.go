// Command users-get is the Lambda function behind GET /v1/users/{id}.
package main

import "github.com/usherhq/usher/pkg/app"

func main() { app.StartRoute("users-get") }
