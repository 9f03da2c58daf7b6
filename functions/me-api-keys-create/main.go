// Command me-api-keys-create is the Lambda function behind POST /v1/me/api-keys.
package main

import "github.com/usherhq/usher/pkg/app"

func main() { app.StartRoute("me-api-keys-create") }
