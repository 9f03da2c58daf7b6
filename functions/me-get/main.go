// Command me-get is the Lambda function behind GET /v1/me.
package main

import "github.com/usherhq/usher/pkg/app"

func main() { app.StartRoute("me-get") }
