// Command me-api-keys-list is the Lambda function behind GET /v1/me/api-keys.
package main

import "github.com/usherhq/usher/pkg/app"

func main() { app.StartRoute("me-api-keys-list") }
