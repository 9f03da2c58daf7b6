// Command users-deactivate is the Lambda function behind POST /v1/users/{id}/deactivate.
package main

import "github.com/usherhq/usher/pkg/app"

func main() { app.StartRoute("users-deactivate") }
