// Command workspace-members-delete is the Lambda function behind DELETE /v1/workspaces/{id}/members/{userId}.
package main

import "github.com/usherhq/usher/pkg/app"

func main() { app.StartRoute("workspace-members-delete") }
