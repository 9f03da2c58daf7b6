// Command user-api-keys-list is the Lambda function behind GET /v1/users/{id}/api-keys.
package main

import "github.com/usherhq/usher/pkg/app"

func main() { app.StartRoute("user-api-keys-list") }
