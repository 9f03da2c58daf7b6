// Command workspace-members-put is the Lambda function behind PUT /v1/workspaces/{id}/members/{userId}.
package main

import "github.com/usherhq/usher/pkg/app"

func main() { app.StartRoute("workspace-members-put") }
