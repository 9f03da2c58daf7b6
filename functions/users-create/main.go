// Command users-create is the Lambda function behind POST /v1/users.
package main

import "github.com/usherhq/usher/pkg/app"

func main() { app.StartRoute("users-create") }
