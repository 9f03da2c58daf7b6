package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/usherhq/usher/pkg/localstack"
)

// dynamoJVMFlags is how the bench runs DynamoDB Local. localstack starts it
// for a quick start (-XX:TieredStopAtLevel=1 -XX:+UseSerialGC: no optimizing
// compiler), which suits tests and usher dev; seeding a large table with it
// is about 1.6 times slower on two cores, so the bench keeps the JVM's
// defaults.
var dynamoJVMFlags = []string{}

// startDynamo starts DynamoDB Local (fetched into localstack's cache if
// needed) with dynamoJVMFlags, in memory, on a free port of 127.0.0.1's
// interfaces, and waits until it answers. stop kills it.
func startDynamo(ctx context.Context, workDir string, log io.Writer) (endpoint string, stop func(), err error) {
	java, err := exec.LookPath("java")
	if err != nil {
		return "", nil, fmt.Errorf("DynamoDB Local needs Java 17: %w", err)
	}
	dir, err := localstack.EnsureDynamo(ctx, localstack.DefaultCacheDir())
	if err != nil {
		return "", nil, err
	}
	if err := os.MkdirAll(workDir, 0o755); err != nil {
		return "", nil, err
	}
	port, err := localstack.FreePort()
	if err != nil {
		return "", nil, err
	}
	args := append(append([]string{}, dynamoJVMFlags...),
		"-Djava.library.path="+filepath.Join(dir, "DynamoDBLocal_lib"), "-jar", filepath.Join(dir, "DynamoDBLocal.jar"),
		"-port", strconv.Itoa(port), "-disableTelemetry", "-sharedDb", "-inMemory")
	cmd := exec.Command(java, args...)
	cmd.Dir = workDir
	if log == nil {
		log = io.Discard
	}
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = sysProcAttr()
	cmd.WaitDelay = time.Second
	if err := cmd.Start(); err != nil {
		return "", nil, fmt.Errorf("starting DynamoDB Local: %w", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	stop = func() {
		select {
		case <-exited:
		default:
			_ = cmd.Process.Kill()
			<-exited
		}
	}
	endpoint = "http://127.0.0.1:" + strconv.Itoa(port)
	probe := dynamodb.New(dynamodb.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpoint),
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", ""), DisableValidateResponseChecksum: true})
	deadline := time.Now().Add(30 * time.Second)
	for {
		pctx, cancel := context.WithTimeout(ctx, time.Second)
		_, perr := probe.ListTables(pctx, &dynamodb.ListTablesInput{})
		cancel()
		if perr == nil {
			return endpoint, stop, nil
		}
		select {
		case <-exited:
			return "", nil, fmt.Errorf("DynamoDB Local exited on start (port %d): %v", port, perr)
		case <-ctx.Done():
			stop()
			return "", nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			stop()
			return "", nil, fmt.Errorf("DynamoDB Local did not answer within 30 s: %v", perr)
		}
	}
}
