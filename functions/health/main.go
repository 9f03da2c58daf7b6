// Command health is the Lambda function behind GET /v1/health.
package main

import "github.com/usherhq/usher/pkg/app"

func main() { app.StartRoute("health") }
