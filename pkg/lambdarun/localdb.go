package lambdarun

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/usherhq/usher/pkg/localstack"
	"github.com/usherhq/usher/pkg/tabledef"
)

// StartDynamo starts a private DynamoDB Local that keeps everything in
// memory, and creates in it the table of template named table. Nothing
// persists: Stop the process and the data is gone. log receives its output
// (nil discards it).
func StartDynamo(ctx context.Context, template []byte, table string, log io.Writer) (*localstack.Process, error) {
	p, err := localstack.StartDynamo(ctx, localstack.DynamoOptions{CacheDir: localstack.DefaultCacheDir(), Log: log})
	if err != nil {
		return nil, err
	}
	in, err := tabledef.Table(template, table)
	if err == nil {
		err = createTable(ctx, dynamoClient(p.Endpoint), in)
	}
	if err != nil {
		_ = p.Stop()
		return nil, fmt.Errorf("creating table %s: %w", table, err)
	}
	return p, nil
}

func createTable(ctx context.Context, c *dynamodb.Client, in *dynamodb.CreateTableInput) error {
	if _, err := c.CreateTable(ctx, in); err != nil {
		return err
	}
	return dynamodb.NewTableExistsWaiter(c).Wait(ctx, &dynamodb.DescribeTableInput{TableName: in.TableName}, 30*time.Second)
}

// CheckTable reports why table cannot be used at a local DynamoDB endpoint:
// nothing answers there, or the table does not exist. nil means it is there.
func CheckTable(ctx context.Context, endpoint, table string) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if !Reachable(ctx, endpoint) {
		return fmt.Errorf("nothing answers at %s", endpoint)
	}
	_, err := dynamoClient(endpoint).DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: &table})
	var nf *types.ResourceNotFoundException
	if errors.As(err, &nf) {
		return fmt.Errorf("table %s does not exist at %s", table, endpoint)
	}
	return err
}

// Reachable reports whether something accepts TCP connections at the
// endpoint URL's host and port.
func Reachable(ctx context.Context, endpoint string) bool {
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" {
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", hostPort(u))
	if err != nil {
		return false
	}
	_ = conn.Close()
	return true
}

func hostPort(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	if u.Scheme == "https" {
		return net.JoinHostPort(u.Hostname(), "443")
	}
	return net.JoinHostPort(u.Hostname(), "80")
}

func dynamoClient(endpoint string) *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{
		Region: DefaultRegion, BaseEndpoint: aws.String(endpoint),
		Credentials:                     credentials.NewStaticCredentialsProvider("local", "local", ""),
		DisableValidateResponseChecksum: true,
	})
}
