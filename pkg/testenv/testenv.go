// Package testenv gives tests the real local AWS parts: one DynamoDB Local per
// test binary (started in TestMain) and a fresh table per test, created from
// the definition in template.yaml.
package testenv

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	usher "github.com/usherhq/usher"
	"github.com/usherhq/usher/pkg/localstack"
	"github.com/usherhq/usher/pkg/tabledef"
)

var (
	endpoint string
	sesURL   string
	client   *dynamodb.Client
	tables   atomic.Int64
)

// Main starts DynamoDB Local, runs the tests and stops it. A
// USHER_TEST_DYNAMODB endpoint, when set, is used instead.
func Main(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	endpoint = os.Getenv("USHER_TEST_DYNAMODB")
	if endpoint == "" {
		p, err := StartDynamo(context.Background())
		if err != nil {
			fmt.Fprintln(os.Stderr, "testenv:", err)
			return 1
		}
		defer p.Stop()
		endpoint = p.Endpoint
	}
	sesURL = os.Getenv("USHER_TEST_SES")
	if sesURL == "" {
		ses, err := StartSES(context.Background())
		if err != nil {
			fmt.Fprintln(os.Stderr, "testenv:", err)
			return 1
		}
		defer ses.Stop()
		sesURL = ses.Endpoint
	}
	client = NewClient(endpoint)
	return m.Run()
}

// StartDynamo starts a private in-memory DynamoDB Local.
func StartDynamo(ctx context.Context) (*localstack.Process, error) {
	work, err := os.MkdirTemp("", "usher-ddb-")
	if err != nil {
		return nil, err
	}
	return localstack.StartDynamo(ctx, localstack.DynamoOptions{CacheDir: localstack.DefaultCacheDir(), WorkDir: work})
}

// StartSES starts a private SES v2 emulator.
func StartSES(ctx context.Context) (*localstack.Process, error) {
	return localstack.StartSES(ctx, localstack.SESOptions{CacheDir: localstack.DefaultCacheDir()})
}

// SESEndpoint is the shared SES v2 emulator.
func SESEndpoint() string { return sesURL }

// MailsTo returns the mails the shared emulator received for one address,
// waiting briefly for at least want of them.
func MailsTo(tb testing.TB, to string, want int) []localstack.Mail {
	tb.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		all, err := localstack.Mails(context.Background(), sesURL, time.Time{})
		if err != nil {
			tb.Fatalf("reading the SES emulator: %v", err)
		}
		var out []localstack.Mail
		for _, m := range all {
			for _, r := range m.To {
				if r == to {
					out = append(out, m)
				}
			}
		}
		if len(out) >= want || time.Now().After(deadline) {
			return out
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// NewClient returns a DynamoDB client for a local endpoint.
func NewClient(endpoint string) *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(endpoint),
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", ""), DisableValidateResponseChecksum: true,
	})
}

// Endpoint is the shared DynamoDB Local.
func Endpoint() string { return endpoint }

// Client is a client of the shared DynamoDB Local.
func Client() *dynamodb.Client { return client }

// NewTable creates a fresh table for one test and deletes it afterwards.
func NewTable(tb testing.TB) string {
	tb.Helper()
	name := fmt.Sprintf("usher-test-%d-%d", os.Getpid(), tables.Add(1))
	if err := CreateTable(context.Background(), client, name); err != nil {
		tb.Fatalf("create table: %v", err)
	}
	tb.Cleanup(func() {
		_, _ = client.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: &name})
	})
	return name
}

// CreateTable creates the table defined in template.yaml.
func CreateTable(ctx context.Context, c *dynamodb.Client, name string) error {
	in, err := tabledef.Table(usher.Template, name)
	if err != nil {
		return err
	}
	if _, err := c.CreateTable(ctx, in); err != nil {
		return err
	}
	return dynamodb.NewTableExistsWaiter(c).Wait(ctx, &dynamodb.DescribeTableInput{TableName: &name}, 30*time.Second)
}

// RepoRoot finds the repository root from a test's working directory.
func RepoRoot(tb testing.TB) string {
	tb.Helper()
	dir, _ := os.Getwd()
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Fatal("no go.mod above the working directory")
		}
		dir = parent
	}
}

// CountItems counts the items of one partition of a table.
func CountItems(tb testing.TB, table, pk string) int {
	tb.Helper()
	out, err := client.Query(context.Background(), &dynamodb.QueryInput{
		TableName: &table, KeyConditionExpression: aws.String("PK = :pk"), Select: "COUNT",
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: pk}},
	})
	if err != nil {
		tb.Fatal(err)
	}
	return int(out.Count)
}
