// Command settings-reset is the Lambda function behind POST /v1/settings/reset.
package main

import "github.com/usherhq/usher/pkg/app"

func main() { app.StartRoute("settings-reset") }
