// Command user-api-keys-delete is the Lambda function behind DELETE /v1/users/{id}/api-keys/{keyId}.
package main

import "github.com/usherhq/usher/pkg/app"

func main() { app.StartRoute("user-api-keys-delete") }
