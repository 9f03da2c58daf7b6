package mail

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/usherhq/usher/pkg/localstack"
)

// sesEndpoint is the package's shared SES emulator (started in TestMain, or
// USHER_TEST_SES when set).
var sesEndpoint string

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	sesEndpoint = os.Getenv("USHER_TEST_SES")
	if sesEndpoint == "" {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		p, err := localstack.StartSES(ctx, localstack.SESOptions{CacheDir: localstack.DefaultCacheDir()})
		cancel()
		if err != nil {
			fmt.Fprintln(os.Stderr, "mail: starting the SES emulator:", err)
			return 1
		}
		defer p.Stop()
		sesEndpoint = p.Endpoint
	}
	return m.Run()
}

// testConfig is an AWS configuration for local endpoints only, with the
// retry policy of pkg/config (3 attempts, back-offs of at most 300 ms).
func testConfig() aws.Config {
	return aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", ""),
		Retryer: func() aws.Retryer {
			return retry.AddWithMaxBackoffDelay(retry.NewStandard(func(o *retry.StandardOptions) { o.MaxAttempts = 3 }), 300*time.Millisecond)
		},
	}
}

func newSender(endpoint string, timeout time.Duration) *SES {
	return NewSES(NewClient(testConfig(), endpoint), timeout)
}

var recipients atomic.Int64

// recipient returns an address unique to this test run, so that parallel
// tests can find their own mails in the shared inbox.
func recipient(t *testing.T) string {
	name := strings.ToLower(regexp.MustCompile(`[^A-Za-z0-9]+`).ReplaceAllString(t.Name(), "-"))
	return fmt.Sprintf("%s-%d-%d@example.test", name, os.Getpid(), recipients.Add(1))
}

// mailsTo returns the mails the shared emulator received for to since since.
func mailsTo(t *testing.T, to string, since time.Time) []localstack.Mail {
	t.Helper()
	all, err := localstack.Mails(context.Background(), sesEndpoint, since)
	if err != nil {
		t.Fatalf("reading the inbox: %v", err)
	}
	var out []localstack.Mail
	for _, m := range all {
		for _, a := range m.To {
			if a == to {
				out = append(out, m)
				break
			}
		}
	}
	return out
}

const (
	sender  = "usher@example.test"
	hostile = "<script>alert(1)</script>"
)

var expiry = time.Date(2026, 11, 29, 11, 0, 0, 0, time.FixedZone("CET", 3600)) // 10:00 UTC

func TestInvitationArrives(t *testing.T) {
	t.Parallel()
	to := recipient(t)
	url := "https://usher.example.test/invite?token=ushi_" + strings.Repeat("A", 38)
	m, err := InvitationMessage(sender, to, Invitation{
		InstanceName: "Acme",
		InviterName:  "Ann Admin",
		InviteeName:  hostile,
		Role:         "editor",
		Workspaces:   []string{"Ops", "R&D"},
		URL:          url,
		ExpiresAt:    expiry,
	})
	if err != nil {
		t.Fatal(err)
	}
	since := time.Now()
	if err := newSender(sesEndpoint, 0).Send(context.Background(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	got := mailsTo(t, to, since)
	if len(got) != 1 {
		t.Fatalf("got %d mails to %s, want 1", len(got), to)
	}
	g := got[0]
	if g.From != sender || len(g.To) != 1 || g.To[0] != to || g.Subject != "You're invited to Acme" {
		t.Errorf("from/to/subject = %q %q %q", g.From, g.To, g.Subject)
	}
	for _, want := range []string{url, "Ann Admin", hostile, "editor", "  - Ops", "  - R&D", "2026-11-29 10:00 UTC"} {
		if !strings.Contains(g.Text, want) {
			t.Errorf("text body lacks %q:\n%s", want, g.Text)
		}
	}
	for _, want := range []string{`href="` + url + `"`, ">" + url + "<", "&lt;script&gt;alert(1)&lt;/script&gt;",
		"<li>R&amp;D</li>", `<html lang="en">`, "2026-11-29 10:00 UTC"} {
		if !strings.Contains(g.HTML, want) {
			t.Errorf("HTML body lacks %q:\n%s", want, g.HTML)
		}
	}
	if strings.Contains(g.HTML, "<script") {
		t.Errorf("HTML body contains a raw <script>:\n%s", g.HTML)
	}
	if strings.Contains(g.HTML, "src=") || strings.Contains(g.HTML, "<link") {
		t.Errorf("HTML body loads external resources:\n%s", g.HTML)
	}
}

func TestPasswordResetArrives(t *testing.T) {
	t.Parallel()
	to := recipient(t)
	url := "https://usher.example.test/reset?token=ushr_" + strings.Repeat("b", 38)
	m, err := PasswordResetMessage(sender, to, PasswordReset{
		InstanceName: "Acme",
		UserName:     hostile,
		URL:          url,
		ExpiresAt:    expiry,
	})
	if err != nil {
		t.Fatal(err)
	}
	since := time.Now()
	if err := newSender(sesEndpoint, 0).Send(context.Background(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	got := mailsTo(t, to, since)
	if len(got) != 1 {
		t.Fatalf("got %d mails to %s, want 1", len(got), to)
	}
	g := got[0]
	if g.From != sender || len(g.To) != 1 || g.To[0] != to || g.Subject != "Reset your Acme password" {
		t.Errorf("from/to/subject = %q %q %q", g.From, g.To, g.Subject)
	}
	for _, want := range []string{url, "2026-11-29 10:00 UTC", hostile} {
		if !strings.Contains(g.Text, want) {
			t.Errorf("text body lacks %q:\n%s", want, g.Text)
		}
	}
	for _, want := range []string{`href="` + url + `"`, ">" + url + "<", "&lt;script&gt;", `<html lang="en">`, "2026-11-29 10:00 UTC"} {
		if !strings.Contains(g.HTML, want) {
			t.Errorf("HTML body lacks %q:\n%s", want, g.HTML)
		}
	}
	if strings.Contains(g.HTML, "<script") {
		t.Errorf("HTML body contains a raw <script>:\n%s", g.HTML)
	}
}

func TestLineBreakInToRefusedWithoutSending(t *testing.T) {
	t.Parallel()
	to := recipient(t)
	s := newSender(sesEndpoint, 0)
	since := time.Now()
	for _, bad := range []string{to + "\r\nBcc: " + to, to + "\nBcc: x@example.test", to + "\r"} {
		if _, err := InvitationMessage(sender, bad, Invitation{URL: "https://x.test/i?token=ushi_a", ExpiresAt: expiry}); !errors.Is(err, ErrInvalidMessage) {
			t.Errorf("InvitationMessage(to=%q) error = %v, want ErrInvalidMessage", bad, err)
		}
		if _, err := PasswordResetMessage(sender, bad, PasswordReset{URL: "https://x.test/r?token=ushr_a", ExpiresAt: expiry}); !errors.Is(err, ErrInvalidMessage) {
			t.Errorf("PasswordResetMessage(to=%q) error = %v, want ErrInvalidMessage", bad, err)
		}
		err := s.Send(context.Background(), Message{From: sender, To: bad, Subject: "s", Text: "t"})
		if !errors.Is(err, ErrInvalidMessage) {
			t.Errorf("Send(to=%q) error = %v, want ErrInvalidMessage", bad, err)
		} else if strings.Contains(err.Error(), to) {
			t.Errorf("error text %q contains the recipient", err)
		}
	}
	// From and Subject are guarded by Send as well.
	for _, m := range []Message{
		{From: sender + "\r\nBcc: x@example.test", To: to, Subject: "s", Text: "t"},
		{From: sender, To: to, Subject: "s\r\nBcc: x@example.test", Text: "t"},
		{From: sender, To: to, Subject: "s"},
		{From: "", To: to, Subject: "s", Text: "t"},
	} {
		if err := s.Send(context.Background(), m); !errors.Is(err, ErrInvalidMessage) {
			t.Errorf("Send(%q) error = %v, want ErrInvalidMessage", m, err)
		}
	}
	if got := mailsTo(t, to, since); len(got) != 0 {
		t.Errorf("%d mails were sent, want none", len(got))
	}
	all, err := localstack.Mails(context.Background(), sesEndpoint, since)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range all {
		if strings.Contains(strings.Join(m.To, ","), to) {
			t.Errorf("a mail reached %q", m.To)
		}
	}
}

func TestSubjectLineBreaksBecomeSpaces(t *testing.T) {
	t.Parallel()
	m, err := InvitationMessage(sender, "a@example.test", Invitation{
		InstanceName: "Acme\r\nBcc: evil@example.test", InviteeName: "Eve\nMallory",
		URL: "https://x.test/i?token=ushi_a", ExpiresAt: expiry,
	})
	if err != nil {
		t.Fatal(err)
	}
	if m.Subject != "You're invited to Acme  Bcc: evil@example.test" {
		t.Errorf("subject = %q", m.Subject)
	}
	if !strings.Contains(m.Text, "Hello Eve Mallory,") {
		t.Errorf("text body:\n%s", m.Text)
	}
	r, err := PasswordResetMessage(sender, "a@example.test", PasswordReset{
		InstanceName: "Acme\u2028X\rY", URL: "https://x.test/r?token=ushr_a", ExpiresAt: expiry,
	})
	if err != nil {
		t.Fatal(err)
	}
	if r.Subject != "Reset your Acme X Y password" {
		t.Errorf("subject = %q", r.Subject)
	}
	if err := r.validate(); err != nil {
		t.Errorf("built message is invalid: %v", err)
	}
}

func TestMessageBuildersRefuseBadInput(t *testing.T) {
	t.Parallel()
	ok := Invitation{URL: "https://x.test/i?token=ushi_a", ExpiresAt: expiry}
	if m, err := InvitationMessage(sender, "a@example.test", ok); err != nil {
		t.Fatalf("minimal invitation: %v", err)
	} else if m.Subject != "You're invited to Usher" || !strings.Contains(m.Text, "Hello,\n\nYou have been invited to join Usher.") {
		t.Errorf("minimal invitation: subject %q, text:\n%s", m.Subject, m.Text)
	}
	for name, v := range map[string]Invitation{
		"javascript link": {URL: "javascript:alert(1)", ExpiresAt: expiry},
		"relative link":   {URL: "/invite?token=ushi_a", ExpiresAt: expiry},
		"link with space": {URL: "https://x.test/i?token=ushi_a b", ExpiresAt: expiry},
		"link with LF":    {URL: "https://x.test/i?token=ushi_a\nBcc: x", ExpiresAt: expiry},
		"no expiry":       {URL: "https://x.test/i?token=ushi_a"},
	} {
		if _, err := InvitationMessage(sender, "a@example.test", v); !errors.Is(err, ErrInvalidMessage) {
			t.Errorf("%s: error = %v, want ErrInvalidMessage", name, err)
		}
	}
	for _, from := range []string{"", " ", "a@example.test\nBcc: b@example.test"} {
		if _, err := InvitationMessage(from, "a@example.test", ok); !errors.Is(err, ErrInvalidMessage) {
			t.Errorf("from %q: error = %v, want ErrInvalidMessage", from, err)
		}
	}
	if _, err := InvitationMessage(sender, "", ok); !errors.Is(err, ErrInvalidMessage) {
		t.Errorf("empty to: error = %v, want ErrInvalidMessage", err)
	}
}

func TestDefaultTimeout(t *testing.T) {
	t.Parallel()
	if got := NewSES(nil, 0).timeout; got != 4*time.Second {
		t.Errorf("default timeout = %s, want 4s", got)
	}
}

// assertLogSafe checks that err's text names neither the recipient nor any
// part of the message that is private.
func assertLogSafe(t *testing.T, err error, m Message, secrets ...string) {
	t.Helper()
	text := err.Error()
	if !strings.HasPrefix(text, "mail: send failed: ") {
		t.Errorf("error text %q lacks the prefix", text)
	}
	for _, s := range append([]string{m.To, strings.ToLower(m.To), m.Text, m.HTML}, secrets...) {
		if s != "" && strings.Contains(text, s) {
			t.Errorf("error text %q contains %q", text, s)
		}
	}
}

func TestSendToStoppedEmulatorFails(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	p, err := localstack.StartSES(ctx, localstack.SESOptions{CacheDir: localstack.DefaultCacheDir()})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	to := recipient(t)
	token := "ushi_" + strings.Repeat("S", 38)
	m, err := InvitationMessage(sender, to, Invitation{
		InstanceName: "Acme", InviteeName: "Secret Name", URL: "https://x.test/i?token=" + token, ExpiresAt: expiry,
	})
	if err != nil {
		t.Fatal(err)
	}
	const timeout = 2 * time.Second
	start := time.Now()
	err = newSender(p.Endpoint, timeout).Send(context.Background(), m)
	elapsed := time.Since(start)
	t.Logf("Send to a stopped emulator: %s: %v", elapsed, err)
	if err == nil {
		t.Fatal("Send to a stopped emulator succeeded")
	}
	if elapsed > timeout+time.Second {
		t.Errorf("Send took %s, want at most %s", elapsed, timeout+time.Second)
	}
	assertLogSafe(t, err, m, token, "Secret Name")
}

// Not parallel: it measures a 1 s bound, which CPU contention from the
// emulator started by TestSendToStoppedEmulatorFails (node start-up) could
// blur on a small machine. Sequential tests run before the parallel ones.
func TestSendHonoursTimeoutWhenEndpointHangs(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c) // hold it open, never answer
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})

	to := recipient(t)
	m, err := PasswordResetMessage(sender, to, PasswordReset{
		InstanceName: "Acme", UserName: "Secret Name", URL: "https://x.test/r?token=ushr_" + strings.Repeat("H", 38), ExpiresAt: expiry,
	})
	if err != nil {
		t.Fatal(err)
	}
	const timeout = time.Second
	start := time.Now()
	err = newSender("http://"+l.Addr().String(), timeout).Send(context.Background(), m)
	elapsed := time.Since(start)
	t.Logf("Send to a hanging endpoint: %s: %v", elapsed, err)
	if err == nil {
		t.Fatal("Send to a hanging endpoint succeeded")
	}
	if elapsed > timeout+time.Second {
		t.Errorf("Send took %s, want at most %s", elapsed, timeout+time.Second)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %v is not a deadline", err)
	}
	assertLogSafe(t, err, m, "ushr_", "Secret Name")
}

func TestSendHonoursCallerContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	m := Message{From: sender, To: recipient(t), Subject: "s", Text: "t"}
	err := newSender(sesEndpoint, 0).Send(ctx, m)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Send with a cancelled context: %v", err)
	}
	assertLogSafe(t, err, m)
}

func TestRedact(t *testing.T) {
	t.Parallel()
	m := Message{To: "Bob.Smith@Example.test", Text: "hello body", HTML: "<p>hello</p>"}
	in := "operation error SESv2: SendEmail, https response error StatusCode: 400, api error MessageRejected: " +
		"Email address is not verified. The following identities failed the check in region US-EAST-1: " +
		"bob.smith@example.test, other@example.test; body: hello body; link https://x.test/?token=ushi_abcDEF123"
	out := redact(in, m)
	for _, s := range []string{"bob.smith@example.test", "other@example.test", "hello body", "ushi_abcDEF123", "@"} {
		if strings.Contains(strings.ToLower(out), strings.ToLower(s)) {
			t.Errorf("redacted text %q still contains %q", out, s)
		}
	}
	if !strings.Contains(out, "MessageRejected") || !strings.Contains(out, "StatusCode: 400") {
		t.Errorf("redacted text %q lost the cause", out)
	}
}
