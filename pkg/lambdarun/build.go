package lambdarun

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
)

// Module is the module path of the repository whose functions are built.
const Module = "github.com/usherhq/usher"

// FunctionsDir is where the functions live, one folder (package main) each.
const FunctionsDir = "functions"

// CacheDir is where Build puts binaries: <repo>/.local/invoke/<function>/bootstrap.
func CacheDir(repoRoot string) string { return filepath.Join(repoRoot, ".local", "invoke") }

// Functions lists the functions of the repository: the folders under
// functions/ that hold Go files, sorted.
func Functions(repoRoot string) ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(repoRoot, FunctionsDir))
	if err != nil {
		return nil, fmt.Errorf("lambdarun: listing functions: %w", err)
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		if gos, _ := filepath.Glob(filepath.Join(repoRoot, FunctionsDir, e.Name(), "*.go")); len(gos) > 0 {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	return names, nil
}

// CheckFunction returns an error, listing the functions there are, unless
// function is one of them.
func CheckFunction(repoRoot, function string) error {
	names, err := Functions(repoRoot)
	if err != nil {
		return err
	}
	if slices.Contains(names, function) {
		return nil
	}
	return fmt.Errorf("unknown function %q: there is no %s/%s/ with Go files. Functions: %s",
		function, FunctionsDir, function, strings.Join(names, ", "))
}

// Build builds functions/<function> for this machine into
// CacheDir(repoRoot)/<function>/bootstrap and returns the binary's path.
func Build(ctx context.Context, repoRoot, function string) (string, error) {
	return BuildInto(ctx, repoRoot, function, CacheDir(repoRoot))
}

// BuildInto is Build with another cache directory. The binary is built as
// for Lambda (CGO_ENABLED=0, -tags lambda.norpc, -trimpath, -s -w) but for
// this machine's GOOS and GOARCH, and replaces any earlier one atomically, so
// a running copy is never overwritten.
func BuildInto(ctx context.Context, repoRoot, function, cacheDir string) (string, error) {
	if err := CheckFunction(repoRoot, function); err != nil {
		return "", err
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("building %s needs the Go toolchain: %w", function, err)
	}
	dir := filepath.Join(cacheDir, function)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	name := "bootstrap"
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	out := filepath.Join(dir, name)
	tmp, err := os.CreateTemp(dir, ".bootstrap-*")
	if err != nil {
		return "", err
	}
	tmpName := tmp.Name()
	_ = tmp.Close()
	defer os.Remove(tmpName) // gone after the rename

	cmd := exec.CommandContext(ctx, gobin, "build", "-tags", "lambda.norpc", "-trimpath", "-ldflags=-s -w",
		"-o", tmpName, "./"+FunctionsDir+"/"+function)
	cmd.Dir = repoRoot
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+runtime.GOOS, "GOARCH="+runtime.GOARCH)
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		return "", fmt.Errorf("building %s/%s: %v\n%s", FunctionsDir, function, err, strings.TrimRight(output.String(), "\n"))
	}
	if err := os.Rename(tmpName, out); err != nil {
		return "", err
	}
	return out, nil
}

// FindRepoRoot returns the closest directory at or above dir whose go.mod
// declares Module.
func FindRepoRoot(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := dir; ; {
		if f, err := os.Open(filepath.Join(d, "go.mod")); err == nil {
			mod := modulePath(f)
			_ = f.Close()
			if mod == Module {
				return d, nil
			}
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", errors.New("not inside the usher repository (no go.mod of " + Module + " at or above " + dir + ")")
		}
		d = parent
	}
}

func modulePath(f *os.File) string {
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(s.Text()), "module "); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`)
		}
	}
	return ""
}
