// Command workspaces-create is the Lambda function behind POST /v1/workspaces.
package main

import "github.com/usherhq/usher/pkg/app"

func main() { app.StartRoute("workspaces-create") }
