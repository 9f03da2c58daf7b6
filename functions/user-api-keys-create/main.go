// Command user-api-keys-create is the Lambda function behind POST /v1/users/{id}/api-keys.
package main

import "github.com/usherhq/usher/pkg/app"

func main() { app.StartRoute("user-api-keys-create") }
