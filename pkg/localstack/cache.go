package localstack

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// ensureInstalled makes sure <cacheDir>/<name> exists and passes valid. If it
// does not, it is prepared by fill in a fresh temporary directory inside
// cacheDir, checked with valid, and renamed into place, so a crash never
// leaves a half-prepared <name>. A lock file serialises concurrent
// installers (other processes and goroutines) so only one downloads; the
// rename keeps it correct even without the lock.
func ensureInstalled(ctx context.Context, cacheDir, name string, valid func(dir string) error, fill func(ctx context.Context, tmp string) error) (string, error) {
	if cacheDir == "" {
		cacheDir = DefaultCacheDir()
	}
	cacheDir, err := filepath.Abs(cacheDir)
	if err != nil {
		return "", fmt.Errorf("localstack: cache dir: %w", err)
	}
	final := filepath.Join(cacheDir, name)
	if valid(final) == nil {
		return final, nil
	}
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return "", fmt.Errorf("localstack: creating cache dir: %w", err)
	}

	unlock, err := lockFile(ctx, filepath.Join(cacheDir, "."+name+".lock"))
	if err != nil {
		return "", fmt.Errorf("localstack: locking cache for %s: %w", name, err)
	}
	defer unlock()

	// Another process may have finished while we waited for the lock.
	if valid(final) == nil {
		return final, nil
	}
	tmpPrefix := ".tmp-" + name + "-"
	if haveFileLock {
		// Holding the lock, any leftover temp dir is from a crashed run.
		if stale, _ := filepath.Glob(filepath.Join(cacheDir, tmpPrefix+"*")); len(stale) > 0 {
			for _, d := range stale {
				_ = os.RemoveAll(d)
			}
		}
		// An existing but invalid final dir (e.g. damaged by hand) is replaced.
		if _, err := os.Lstat(final); err == nil {
			if err := os.RemoveAll(final); err != nil {
				return "", fmt.Errorf("localstack: removing damaged cache %s: %w", final, err)
			}
		}
	}

	tmp, err := os.MkdirTemp(cacheDir, tmpPrefix)
	if err != nil {
		return "", fmt.Errorf("localstack: creating temp dir in cache: %w", err)
	}
	keep := false
	defer func() {
		if !keep {
			_ = os.RemoveAll(tmp)
		}
	}()
	if err := os.Chmod(tmp, 0o755); err != nil {
		return "", fmt.Errorf("localstack: %w", err)
	}
	if err := fill(ctx, tmp); err != nil {
		return "", err
	}
	if err := valid(tmp); err != nil {
		return "", fmt.Errorf("localstack: prepared %s is incomplete: %w", name, err)
	}
	if err := os.Rename(tmp, final); err != nil {
		if valid(final) == nil { // lost a race without a lock: theirs is as good
			return final, nil
		}
		return "", fmt.Errorf("localstack: moving %s into the cache: %w", name, err)
	}
	keep = true
	return final, nil
}

// lookTool finds an executable on PATH or explains how to get it.
func lookTool(name, hint string) (string, error) {
	p, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("localstack: %s not found on PATH: %s", name, hint)
	}
	return p, nil
}

const (
	javaHint = "install a Java 17 runtime (Debian: openjdk-17-jre-headless)"
	nodeHint = "install Node.js >= 20.19 (Debian bookworm's nodejs 18 is too old for aws-ses-v2-local; use the NodeSource nodejs 20+ package)"
	npmHint  = "install Node.js with npm (npm is used to fetch the emulators from the npm registry)"
)
