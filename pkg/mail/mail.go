// Package mail builds and sends Usher's two emails, invitations and password
// resets, through Amazon SES v2 (or, locally, the aws-ses-v2-local emulator).
//
// Services depend on the small [Sender] interface; [SES] is the real
// implementation. Messages are built from embedded templates: the text body
// with text/template, the HTML body with html/template, so that user-supplied
// names are escaped in HTML.
//
// Header values are guarded against injection: [InvitationMessage] and
// [PasswordResetMessage] replace line breaks in subjects with spaces and
// refuse addresses that contain them, and [SES.Send] refuses any message
// whose From, To or Subject contains a control character.
package mail

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Sender sends one email.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// Message is one email to one recipient. At least one of Text and HTML must
// be set.
type Message struct {
	From    string // sender address, e.g. the senderEmail setting
	To      string // one recipient address
	Subject string
	Text    string // text/plain body
	HTML    string // text/html body
}

// ErrInvalidMessage is wrapped by the errors returned for a message that is
// refused before anything is sent (missing or unsafe header values, no body,
// a bad link). Its error texts never contain an address or the body.
var ErrInvalidMessage = errors.New("mail: invalid message")

func invalid(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidMessage, fmt.Sprintf(format, a...))
}

// validate checks the header values and the presence of a body.
func (m Message) validate() error {
	if err := checkAddress("sender", m.From); err != nil {
		return err
	}
	if err := checkAddress("recipient", m.To); err != nil {
		return err
	}
	if strings.TrimSpace(m.Subject) == "" {
		return invalid("empty subject")
	}
	if hasControl(m.Subject) {
		return invalid("subject contains a line break or control character")
	}
	if m.Text == "" && m.HTML == "" {
		return invalid("no body")
	}
	return nil
}

// checkAddress refuses an empty address or one with a line break or other
// control character (header injection). The address itself is never quoted
// in the error.
func checkAddress(what, addr string) error {
	if strings.TrimSpace(addr) == "" {
		return invalid("empty %s address", what)
	}
	if hasControl(addr) {
		return invalid("%s address contains a line break or control character", what)
	}
	return nil
}

// hasControl reports whether s contains a C0/C1 control character (CR, LF,
// NUL, …) or a Unicode line or paragraph separator.
func hasControl(s string) bool {
	return strings.IndexFunc(s, isBreak) >= 0
}

func isBreak(r rune) bool {
	return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u2028' || r == '\u2029'
}

// oneLine replaces line breaks and other control characters with spaces, so
// that a value is safe in a header or on a single line of the text body.
func oneLine(s string) string {
	if !hasControl(s) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if isBreak(r) {
			return ' '
		}
		return r
	}, s)
}
