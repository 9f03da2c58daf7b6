// Command workspaces-update is the Lambda function behind PATCH /v1/workspaces/{id}.
package main

import "github.com/usherhq/usher/pkg/app"

func main() { app.StartRoute("workspaces-update") }
