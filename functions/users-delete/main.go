// Command users-delete is the Lambda function behind DELETE /v1/users/{id}.
package main

import "github.com/usherhq/usher/pkg/app"

func main() { app.StartRoute("users-delete") }
