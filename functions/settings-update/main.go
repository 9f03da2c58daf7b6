// Command settings-update is the Lambda function behind PATCH /v1/settings.
package main

import "github.com/usherhq/usher/pkg/app"

func main() { app.StartRoute("settings-update") }
