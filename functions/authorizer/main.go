// Command authorizer is the API Gateway Lambda authorizer: bearer token in,
// principal out.
package main

import "github.com/usherhq/usher/pkg/app"

func main() { app.StartAuthorizer() }
