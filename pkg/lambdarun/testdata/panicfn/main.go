// Command panicfn is a function built with aws-lambda-go whose handler
// panics, for the tests of package lambdarun.
package main

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(ctx context.Context, event json.RawMessage) (string, error) {
		panic("handler blew up")
	})
}
