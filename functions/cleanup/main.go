// Command cleanup is the scheduled cleanup function (EventBridge, hourly).
package main

import "github.com/usherhq/usher/pkg/app"

func main() { app.StartCleanup() }
