// Command users-reactivate is the Lambda function behind POST /v1/users/{id}/reactivate.
package main

import "github.com/usherhq/usher/pkg/app"

func main() { app.StartRoute("users-reactivate") }
