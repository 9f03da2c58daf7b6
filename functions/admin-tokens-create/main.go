// Command admin-tokens-create is the Lambda function behind POST /v1/admin-tokens.
package main

import "github.com/usherhq/usher/pkg/app"

func main() { app.StartRoute("admin-tokens-create") }
