// Command user-workspaces-list is the Lambda function behind GET /v1/users/{id}/workspaces.
package main

import "github.com/usherhq/usher/pkg/app"

func main() { app.StartRoute("user-workspaces-list") }
