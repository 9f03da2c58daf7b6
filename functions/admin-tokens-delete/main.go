// Command admin-tokens-delete is the Lambda function behind DELETE /v1/admin-tokens/{id}.
package main

import "github.com/usherhq/usher/pkg/app"

func main() { app.StartRoute("admin-tokens-delete") }
