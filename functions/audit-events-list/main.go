// Command audit-events-list is the Lambda function behind GET /v1/audit-events.
package main

import "github.com/usherhq/usher/pkg/app"

func main() { app.StartRoute("audit-events-list") }
