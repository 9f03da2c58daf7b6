// Command workspaces-delete is the Lambda function behind DELETE /v1/workspaces/{id}.
package main

import "github.com/usherhq/usher/pkg/app"

func main() { app.StartRoute("workspaces-delete") }
