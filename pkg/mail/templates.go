package mail

import (
	"bytes"
	"embed"
	htmltemplate "html/template"
	"net/url"
	"strings"
	"sync"
	texttemplate "text/template"
	"time"
)

//go:embed templates/*.tmpl
var templateFS embed.FS

// The templates are parsed on first use: every function links this package,
// only the four that send mail should pay for parsing at start-up.
var (
	textTemplates = sync.OnceValue(func() *texttemplate.Template {
		return texttemplate.Must(texttemplate.New("").Option("missingkey=error").ParseFS(templateFS, "templates/*.txt.tmpl"))
	})
	htmlTemplates = sync.OnceValue(func() *htmltemplate.Template {
		return htmltemplate.Must(htmltemplate.New("").Option("missingkey=error").ParseFS(templateFS, "templates/*.html.tmpl"))
	})
)

// defaultInstanceName is used when an instance has no name.
const defaultInstanceName = "Usher"

// Invitation is what an invitation email says.
type Invitation struct {
	InstanceName string    // the instanceName setting
	InviterName  string    // who invites; "" when unknown (e.g. an admin token)
	InviteeName  string    // "" when the invitation has no name
	Role         string    // instance role granted
	Workspaces   []string  // names of the workspaces joined, if any
	URL          string    // <inviteUrlBase>?token=<ushi_…>
	ExpiresAt    time.Time // shown in UTC
}

// PasswordReset is what a password-reset email says.
type PasswordReset struct {
	InstanceName string
	UserName     string
	URL          string    // <passwordResetUrlBase>?token=<ushr_…>
	ExpiresAt    time.Time // shown in UTC
}

// InvitationMessage builds the invitation email from from to to. Line breaks
// in names become spaces; an address with a line break, an empty address, a
// link that is not an absolute http(s) URL or a zero expiry is an error
// (wrapping ErrInvalidMessage).
func InvitationMessage(from, to string, v Invitation) (Message, error) {
	if err := checkLink(v.URL, v.ExpiresAt); err != nil {
		return Message{}, err
	}
	instance := instanceName(v.InstanceName)
	ws := make([]string, len(v.Workspaces))
	for i, w := range v.Workspaces {
		ws[i] = oneLine(w)
	}
	data := struct {
		Subject, InstanceName, InviterName, InviteeName, Role, URL, Expires string
		Workspaces                                                          []string
	}{
		Subject:      "You're invited to " + instance,
		InstanceName: instance,
		InviterName:  strings.TrimSpace(oneLine(v.InviterName)),
		InviteeName:  strings.TrimSpace(oneLine(v.InviteeName)),
		Role:         oneLine(v.Role),
		URL:          v.URL,
		Expires:      formatExpiry(v.ExpiresAt),
		Workspaces:   ws,
	}
	return build(from, to, data.Subject, "invitation", data)
}

// PasswordResetMessage builds the password-reset email from from to to, with
// the same rules as InvitationMessage.
func PasswordResetMessage(from, to string, v PasswordReset) (Message, error) {
	if err := checkLink(v.URL, v.ExpiresAt); err != nil {
		return Message{}, err
	}
	instance := instanceName(v.InstanceName)
	data := struct {
		Subject, InstanceName, UserName, URL, Expires string
	}{
		Subject:      "Reset your " + instance + " password",
		InstanceName: instance,
		UserName:     strings.TrimSpace(oneLine(v.UserName)),
		URL:          v.URL,
		Expires:      formatExpiry(v.ExpiresAt),
	}
	return build(from, to, data.Subject, "password_reset", data)
}

// build renders templates/<name>.txt.tmpl and <name>.html.tmpl.
func build(from, to, subject, name string, data any) (Message, error) {
	if err := checkAddress("sender", from); err != nil {
		return Message{}, err
	}
	if err := checkAddress("recipient", to); err != nil {
		return Message{}, err
	}
	var text, html bytes.Buffer
	if err := textTemplates().ExecuteTemplate(&text, name+".txt.tmpl", data); err != nil {
		return Message{}, err
	}
	if err := htmlTemplates().ExecuteTemplate(&html, name+".html.tmpl", data); err != nil {
		return Message{}, err
	}
	return Message{From: from, To: to, Subject: oneLine(subject), Text: text.String(), HTML: html.String()}, nil
}

func instanceName(s string) string {
	s = strings.TrimSpace(oneLine(s))
	if s == "" {
		return defaultInstanceName
	}
	return s
}

// checkLink requires an absolute http(s) URL without spaces or control
// characters (it is printed on a line of its own and in an href) and a
// known expiry.
func checkLink(link string, expires time.Time) error {
	u, err := url.Parse(link)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" ||
		strings.ContainsAny(link, " \t") || hasControl(link) {
		return invalid("link is not an absolute http(s) URL")
	}
	if expires.IsZero() {
		return invalid("no expiry")
	}
	return nil
}

// formatExpiry shows t in UTC to the minute, e.g. "2026-11-29 10:00 UTC".
func formatExpiry(t time.Time) string {
	return t.UTC().Format("2006-01-02 15:04") + " UTC"
}
