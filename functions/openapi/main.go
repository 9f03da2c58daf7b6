// Command openapi is the Lambda function behind GET /v1/openapi.json.
package main

import "github.com/usherhq/usher/pkg/app"

func main() { app.StartRoute("openapi") }
