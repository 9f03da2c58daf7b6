// Command roles-list is the Lambda function behind GET /v1/roles.
package main

import "github.com/usherhq/usher/pkg/app"

func main() { app.StartRoute("roles-list") }
