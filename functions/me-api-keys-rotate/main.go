// Command me-api-keys-rotate is the Lambda function behind POST /v1/me/api-keys/{keyId}/rotate.
package main

import "github.com/usherhq/usher/pkg/app"

func main() { app.StartRoute("me-api-keys-rotate") }
