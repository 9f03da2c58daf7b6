// Command me-api-keys-delete is the Lambda function behind DELETE /v1/me/api-keys/{keyId}.
package main

import "github.com/usherhq/usher/pkg/app"

func main() { app.StartRoute("me-api-keys-delete") }
