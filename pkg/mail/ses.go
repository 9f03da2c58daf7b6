package mail

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"
)

// DefaultTimeout bounds one send when NewSES is given no timeout. It is well
// below the functions' 10 s Lambda timeout, so that a stalled SES becomes
// `emailSent: false` rather than a gateway timeout.
const DefaultTimeout = 4 * time.Second

// SES sends mail with the SES v2 SendEmail operation.
type SES struct {
	client  *sesv2.Client
	timeout time.Duration
}

var _ Sender = (*SES)(nil)

// NewSES returns a Sender using client. timeout bounds one Send, retries
// included; 0 (or less) means DefaultTimeout.
func NewSES(client *sesv2.Client, timeout time.Duration) *SES {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return &SES{client: client, timeout: timeout}
}

// NewClient returns an SES v2 client for cfg. A non-empty endpoint (the local
// emulator, e.g. http://127.0.0.1:8005) replaces the AWS endpoint.
func NewClient(cfg aws.Config, endpoint string) *sesv2.Client {
	return sesv2.NewFromConfig(cfg, func(o *sesv2.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	})
}

const charset = "UTF-8"

// Send sends m as a Simple SendEmail (subject, text and HTML bodies, UTF-8),
// within the SES's timeout. A message with an unsafe or missing header value
// is refused before anything is sent (the error wraps ErrInvalidMessage).
// Errors are log-safe: their text never contains the recipient address, any
// other email address, the body or a token; it reads "mail: send failed: …"
// followed by the (redacted) SDK error. Fault handling must not rely on the
// SDK error types: the local emulator's errors arrive as UnknownError.
func (s *SES) Send(parent context.Context, m Message) error {
	if err := m.validate(); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(parent, s.timeout)
	defer cancel()

	body := &types.Body{}
	if m.Text != "" {
		body.Text = &types.Content{Data: aws.String(m.Text), Charset: aws.String(charset)}
	}
	if m.HTML != "" {
		body.Html = &types.Content{Data: aws.String(m.HTML), Charset: aws.String(charset)}
	}
	_, err := s.client.SendEmail(ctx, &sesv2.SendEmailInput{
		FromEmailAddress: aws.String(m.From),
		Destination:      &types.Destination{ToAddresses: []string{m.To}},
		Content: &types.EmailContent{Simple: &types.Message{
			Subject: &types.Content{Data: aws.String(m.Subject), Charset: aws.String(charset)},
			Body:    body,
		}},
	})
	if err != nil {
		msg := redact(err.Error(), m)
		if errors.Is(err, context.DeadlineExceeded) && parent.Err() == nil {
			msg = fmt.Sprintf("timed out after %s: %s", s.timeout, msg)
		}
		return &sendError{msg: "mail: send failed: " + msg, err: err}
	}
	return nil
}

// sendError carries a redacted text; Unwrap gives the raw SDK error (for
// errors.Is(err, context.Canceled) and the like), whose own text is NOT
// log-safe.
type sendError struct {
	msg string
	err error
}

func (e *sendError) Error() string { return e.msg }
func (e *sendError) Unwrap() error { return e.err }

var (
	// Anything shaped like an email address (SES error texts can list the
	// recipients, e.g. "identities failed the check: bob@example.com").
	addrRE = regexp.MustCompile(`[^\s<>"'(),;:\[\]\\]+@[^\s<>"'(),;:\[\]\\]+`)
	// Usher secrets (invitation and reset tokens travel in the links).
	tokenRE = regexp.MustCompile(`ush[a-z]_[0-9A-Za-z]+`)
)

// redact removes the recipient, the bodies, any address and any token from
// an error text.
func redact(s string, m Message) string {
	if m.To != "" {
		s = regexp.MustCompile(`(?i)`+regexp.QuoteMeta(m.To)).ReplaceAllLiteralString(s, "[recipient]")
	}
	for _, b := range []string{m.Text, m.HTML} {
		if b != "" {
			s = strings.ReplaceAll(s, b, "[body]")
		}
	}
	s = addrRE.ReplaceAllLiteralString(s, "[address]")
	s = tokenRE.ReplaceAllLiteralString(s, "[token]")
	return s
}
