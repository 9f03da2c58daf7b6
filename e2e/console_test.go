// Package e2e drives the admin console in a real browser: Debian's Chromium,
// steered by playwright-core (console.mjs), against `usher dev` on free ports.
package e2e

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/usherhq/usher/pkg/devstack"
	"github.com/usherhq/usher/pkg/localstack"
)

// chromium is the browser the test drives (CHROMIUM overrides it).
func chromium() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	return "/usr/bin/chromium"
}

func TestConsoleInABrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the dev stack and a browser")
	}
	if _, err := os.Stat(chromium()); err != nil {
		// CI installs it (.ci/run); elsewhere say how, but do not fail a
		// developer's `make test` for a missing browser.
		if os.Getenv("CI") != "" {
			t.Fatalf("no browser at %s: apt-get install chromium", chromium())
		}
		t.Skipf("no browser at %s (apt-get install chromium to run the console's end-to-end test)", chromium())
	}
	if !installed("playwright-core", "axe-core") {
		npm := exec.Command("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")
		if out, err := npm.CombinedOutput(); err != nil {
			t.Fatalf("npm ci: %v\n%s", err, out)
		}
	}

	apiPort, err := localstack.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	sesPort, err := localstack.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var out bytes.Buffer
	type ready struct{ api, token string }
	up := make(chan ready, 1)
	done := make(chan error, 1)
	go func() {
		done <- devstack.Run(ctx, devstack.Options{Dir: t.TempDir(), Addr: "127.0.0.1:" + strconv.Itoa(apiPort), SESPort: sesPort,
			AdminEmail: "admin@example.com", Table: "usher-e2e", Out: &out, Log: slog.New(slog.NewJSONHandler(io.Discard, nil)),
			Ready: func(api, token string) { up <- ready{api, token} }})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("dev stack: %v", err)
		}
	})
	var stack ready
	select {
	case stack = <-up:
	case err := <-done:
		done <- err
		t.Fatalf("the dev stack ended early: %v\n%s", err, out.String())
	case <-time.After(2 * time.Minute):
		t.Fatalf("the dev stack is not up after 2 minutes:\n%s", out.String())
	}

	shots, err := filepath.Abs("../.local/console-shots")
	if err != nil {
		t.Fatal(err)
	}
	run, stop := context.WithTimeout(context.Background(), 4*time.Minute)
	defer stop()
	node := exec.CommandContext(run, "node", "console.mjs")
	node.Env = append(os.Environ(), "USHER_URL="+stack.api, "SES_URL=http://127.0.0.1:"+strconv.Itoa(sesPort),
		"ADMIN_TOKEN="+stack.token, "SHOTS_DIR="+shots, "CHROMIUM="+chromium())
	var log bytes.Buffer
	node.Stdout, node.Stderr = &log, &log
	err = node.Run()
	t.Logf("console.mjs:\n%s", log.String())
	if err != nil {
		t.Fatalf("the console's end-to-end run failed: %v (screenshots in %s)", err, shots)
	}
}

// installed reports whether every named package is in node_modules.
func installed(pkgs ...string) bool {
	for _, p := range pkgs {
		if _, err := os.Stat(filepath.Join("node_modules", p, "package.json")); err != nil {
			return false
		}
	}
	return true
}
