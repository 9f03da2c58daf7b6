// Command workspaces-get is the Lambda function behind GET /v1/workspaces/{id}.
package main

import "github.com/usherhq/usher/pkg/app"

func main() { app.StartRoute("workspaces-get") }
