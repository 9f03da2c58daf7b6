// Command console is the Lambda function behind GET /console and every path
// below it: the admin console's files, embedded. It links neither the
// DynamoDB nor the SES client.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/usherhq/usher/pkg/console"
)

func main() { lambda.Start(httpadapter.NewV2(console.Handler()).ProxyWithContext) }
