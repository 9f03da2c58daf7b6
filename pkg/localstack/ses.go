package localstack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

const (
	// SESPackage is the npm package of the SES emulator.
	SESPackage = "aws-ses-v2-local"
	// SESPackageVersion is its pinned version.
	SESPackageVersion = "2.10.2"

	sesReadyTimeout = 30 * time.Second
)

// SESOptions configures StartSES.
type SESOptions struct {
	// CacheDir holds the installed emulator; "" means DefaultCacheDir().
	CacheDir string
	// Port to listen on (127.0.0.1 only); 0 picks a free port.
	Port int
	// WorkDir is node's working directory, created if missing; "" uses the
	// emulator's install directory.
	WorkDir string
	// Log receives the process's stdout and stderr; nil discards them.
	Log io.Writer
}

// EnsureSES makes sure aws-ses-v2-local is installed in cacheDir ("" means
// DefaultCacheDir()), running `npm install` if needed, and returns the path
// of its command-line script (to be run with node).
func EnsureSES(ctx context.Context, cacheDir string) (script string, err error) {
	dir, err := ensureInstalled(ctx, cacheDir, "ses-v2-local-"+SESPackageVersion,
		func(dir string) error { _, err := sesScript(dir); return err },
		func(ctx context.Context, tmp string) error {
			npm, err := lookTool("npm", npmHint)
			if err != nil {
				return err
			}
			return runTool(ctx, tmp, npm, "install", "--prefix", tmp, "--no-audit", "--no-fund",
				"--loglevel=error", SESPackage+"@"+SESPackageVersion)
		})
	if err != nil {
		return "", err
	}
	return sesScript(dir)
}

// sesScript reads the installed package.json and returns the absolute path
// of its bin script, checking the version and that the script exists.
func sesScript(dir string) (string, error) {
	pkgDir := filepath.Join(dir, "node_modules", SESPackage)
	b, err := os.ReadFile(filepath.Join(pkgDir, "package.json"))
	if err != nil {
		return "", err
	}
	var pkg struct {
		Version string          `json:"version"`
		Bin     json.RawMessage `json:"bin"`
	}
	if err := json.Unmarshal(b, &pkg); err != nil {
		return "", fmt.Errorf("%s/package.json: %w", SESPackage, err)
	}
	if pkg.Version != SESPackageVersion {
		return "", fmt.Errorf("%s is version %q, want %q", SESPackage, pkg.Version, SESPackageVersion)
	}
	var bin string
	if err := json.Unmarshal(pkg.Bin, &bin); err != nil {
		var bins map[string]string
		if err := json.Unmarshal(pkg.Bin, &bins); err != nil {
			return "", fmt.Errorf("%s/package.json: unexpected bin field %s", SESPackage, pkg.Bin)
		}
		bin = bins[SESPackage]
		if bin == "" && len(bins) == 1 {
			for _, v := range bins {
				bin = v
			}
		}
	}
	if bin == "" {
		return "", fmt.Errorf("%s/package.json has no bin script", SESPackage)
	}
	script := filepath.Join(pkgDir, filepath.FromSlash(bin))
	if fi, err := os.Stat(script); err != nil {
		return "", err
	} else if !fi.Mode().IsRegular() {
		return "", fmt.Errorf("%s is not a file", script)
	}
	return script, nil
}

// StartSES starts aws-ses-v2-local on 127.0.0.1 (installing it first if
// needed) and waits until GET /store answers. Point the SES v1 or v2 SDK at
// p.Endpoint with any credentials; a web inbox is at p.Endpoint + "/". ctx
// bounds installing and start-up only: the process runs until Stop (or until
// the parent process dies). Mails are kept in memory only.
func StartSES(ctx context.Context, o SESOptions) (*Process, error) {
	node, err := lookTool("node", nodeHint)
	if err != nil {
		return nil, err
	}
	script, err := EnsureSES(ctx, o.CacheDir)
	if err != nil {
		return nil, err
	}
	if err := checkNodeVersion(ctx, node); err != nil {
		return nil, err
	}
	workDir := o.WorkDir
	if workDir == "" {
		workDir = filepath.Dir(script) // node writes nothing there
	} else if workDir, err = absDir(workDir, "work dir"); err != nil {
		return nil, err
	}
	return startWithRetry(o.Port, func(port int) (*Process, error) {
		endpoint := "http://127.0.0.1:" + strconv.Itoa(port)
		return launch(ctx, startSpec{
			name: fmt.Sprintf("aws-ses-v2-local (port %d)", port),
			path: node,
			args: []string{script, "--host", "127.0.0.1", "--port", strconv.Itoa(port)},
			dir:  workDir,
			log:  o.Log,
		}, endpoint, sesReadyTimeout, func(ctx context.Context) error {
			_, err := getStore(ctx, endpoint, time.Time{})
			return err
		})
	})
}

// checkNodeVersion fails clearly on a node too old for aws-ses-v2-local's
// dependencies (yargs 18 needs ^20.19 || ^22.12 || >=23).
func checkNodeVersion(ctx context.Context, node string) error {
	out, err := exec.CommandContext(ctx, node, "--version").Output()
	if err != nil {
		return fmt.Errorf("localstack: running `%s --version`: %w", node, err)
	}
	v := strings.TrimSpace(string(out))
	var major, minor int
	if _, err := fmt.Sscanf(strings.TrimPrefix(v, "v"), "%d.%d", &major, &minor); err != nil {
		return nil // unknown format: let the emulator try
	}
	if major < 20 || major == 20 && minor < 19 || major == 22 && minor < 12 {
		return fmt.Errorf("localstack: node %s is too old for %s@%s: %s", v, SESPackage, SESPackageVersion, nodeHint)
	}
	return nil
}

// Mail is an email captured by the SES emulator.
type Mail struct {
	MessageID string
	From      string
	ReplyTo   []string
	To        []string
	Cc        []string
	Bcc       []string
	Subject   string
	HTML      string // "" when the mail had no HTML body
	Text      string // "" when the mail had no text body
	At        time.Time
}

// storeMail is an email as aws-ses-v2-local's GET /store returns it
// (dist/store.d.ts, type Email).
type storeMail struct {
	MessageID   string   `json:"messageId"`
	From        string   `json:"from"`
	ReplyTo     []string `json:"replyTo"`
	Destination struct {
		To  []string `json:"to"`
		Cc  []string `json:"cc"`
		Bcc []string `json:"bcc"`
	} `json:"destination"`
	Subject string `json:"subject"`
	Body    struct {
		HTML string `json:"html"`
		Text string `json:"text"`
	} `json:"body"`
	At float64 `json:"at"` // epoch seconds
}

// Mails returns the emails the SES emulator at endpoint has captured, oldest
// first. A non-zero since returns only mails sent at or after it; the
// emulator records whole seconds, so mails from the same second as since are
// included.
func Mails(ctx context.Context, endpoint string, since time.Time) ([]Mail, error) {
	raw, err := getStore(ctx, endpoint, since)
	if err != nil {
		return nil, err
	}
	mails := make([]Mail, 0, len(raw))
	for _, m := range raw {
		sec, frac := math.Modf(m.At)
		mails = append(mails, Mail{
			MessageID: m.MessageID,
			From:      m.From,
			ReplyTo:   m.ReplyTo,
			To:        m.Destination.To,
			Cc:        m.Destination.Cc,
			Bcc:       m.Destination.Bcc,
			Subject:   m.Subject,
			HTML:      m.Body.HTML,
			Text:      m.Body.Text,
			At:        time.Unix(int64(sec), int64(frac*1e9)),
		})
	}
	return mails, nil
}

func getStore(ctx context.Context, endpoint string, since time.Time) ([]storeMail, error) {
	u := strings.TrimSuffix(endpoint, "/") + "/store"
	if !since.IsZero() {
		s := since.Unix()
		if s < 0 {
			s = 0
		}
		u += "?since=" + strconv.FormatInt(s, 10)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("localstack: %w", err)
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("localstack: reading SES emulator mails: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return nil, fmt.Errorf("localstack: reading SES emulator mails: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("localstack: GET %s: HTTP %d: %.300s", u, resp.StatusCode, body)
	}
	var store struct {
		Emails *[]storeMail `json:"emails"`
	}
	if err := json.Unmarshal(body, &store); err != nil {
		return nil, fmt.Errorf("localstack: GET %s: decoding: %w", u, err)
	}
	if store.Emails == nil {
		return nil, errors.New("localstack: GET " + u + ": no \"emails\" in response (not an aws-ses-v2-local server?)")
	}
	return *store.Emails, nil
}

// ClearMails deletes every captured email (and every stored email template)
// in the SES emulator at endpoint.
func ClearMails(ctx context.Context, endpoint string) error {
	u := strings.TrimSuffix(endpoint, "/") + "/clear-store"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, nil)
	if err != nil {
		return fmt.Errorf("localstack: %w", err)
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return fmt.Errorf("localstack: clearing SES emulator mails: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("localstack: POST %s: HTTP %d: %.300s", u, resp.StatusCode, body)
	}
	return nil
}
