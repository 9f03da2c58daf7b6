// Command users-update is the Lambda function behind PATCH /v1/users/{id}.
package main

import "github.com/usherhq/usher/pkg/app"

func main() { app.StartRoute("users-update") }
