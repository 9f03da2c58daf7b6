// Command me-update is the Lambda function behind PATCH /v1/me.
package main

import "github.com/usherhq/usher/pkg/app"

func main() { app.StartRoute("me-update") }
