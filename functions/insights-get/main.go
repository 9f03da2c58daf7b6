// Command insights-get is the Lambda function behind GET /v1/insights.
package main

import "github.com/usherhq/usher/pkg/app"

func main() { app.StartRoute("insights-get") }
