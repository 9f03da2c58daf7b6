// Command settings-get is the Lambda function behind GET /v1/settings.
package main

import "github.com/usherhq/usher/pkg/app"

func main() { app.StartRoute("settings-get") }
