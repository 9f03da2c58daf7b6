// Command workspace-members-list is the Lambda function behind GET /v1/workspaces/{id}/members.
package main

import "github.com/usherhq/usher/pkg/app"

func main() { app.StartRoute("workspace-members-list") }
