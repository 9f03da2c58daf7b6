// Command workspaces-list is the Lambda function behind GET /v1/workspaces.
package main

import "github.com/usherhq/usher/pkg/app"

func main() { app.StartRoute("workspaces-list") }
