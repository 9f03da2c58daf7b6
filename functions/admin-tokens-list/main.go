// Command admin-tokens-list is the Lambda function behind GET /v1/admin-tokens.
package main

import "github.com/usherhq/usher/pkg/app"

func main() { app.StartRoute("admin-tokens-list") }
