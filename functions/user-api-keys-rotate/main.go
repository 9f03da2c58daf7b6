// Command user-api-keys-rotate is the Lambda function behind POST /v1/users/{id}/api-keys/{keyId}/rotate.
package main

import "github.com/usherhq/usher/pkg/app"

func main() { app.StartRoute("user-api-keys-rotate") }
