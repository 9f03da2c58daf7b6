package localstack

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

const (
	// DynamoPackage is the npm package DynamoDBLocal.jar is taken from.
	DynamoPackage = "amplify-dynamodb-simulator"
	// DynamoPackageVersion is the pinned version of DynamoPackage. It ships
	// DynamoDB Local 1.25.1.
	DynamoPackageVersion = "2.9.30"
	// dynamoTarballSHA256 is the sha256 of the npm tarball of
	// amplify-dynamodb-simulator@2.9.30 (its registry sha1 is
	// a7ec81c475dc309aa15d047d8d03679c8be49189).
	dynamoTarballSHA256 = "3503ffac19f183407909fecdacf4db51ab1fdad1da7b2f177016670b2d80e4b9"
	// dynamoTarballPrefix is where the emulator sits inside the tarball.
	dynamoTarballPrefix = "package/emulator/"

	dynamoReadyTimeout = 30 * time.Second
)

// DynamoOptions configures StartDynamo.
type DynamoOptions struct {
	// CacheDir holds the downloaded emulator; "" means DefaultCacheDir().
	CacheDir string
	// Port to listen on; 0 picks a free port.
	Port int
	// DataDir is where the database file (shared-local-instance.db) lives,
	// created if missing; "" keeps everything in memory.
	DataDir string
	// WorkDir is java's working directory, where DynamoDB Local writes
	// dynamodb-local-metadata.json; created if missing. "" uses a temporary
	// directory that Stop removes.
	WorkDir string
	// Log receives the process's stdout and stderr; nil discards them.
	Log io.Writer
}

// EnsureDynamo makes sure DynamoDB Local is in cacheDir ("" means
// DefaultCacheDir()), fetching amplify-dynamodb-simulator with `npm pack`,
// verifying its sha256 and extracting its emulator/ directory if needed. It
// returns the directory holding DynamoDBLocal.jar and DynamoDBLocal_lib/.
func EnsureDynamo(ctx context.Context, cacheDir string) (dir string, err error) {
	return ensureDynamo(ctx, cacheDir, dynamoTarballSHA256)
}

func ensureDynamo(ctx context.Context, cacheDir, wantSHA string) (string, error) {
	return ensureInstalled(ctx, cacheDir, "dynamodb-local-"+DynamoPackageVersion, validDynamo,
		func(ctx context.Context, tmp string) error {
			npm, err := lookTool("npm", npmHint)
			if err != nil {
				return err
			}
			packDir := filepath.Join(tmp, ".npm-pack")
			if err := os.Mkdir(packDir, 0o755); err != nil {
				return fmt.Errorf("localstack: %w", err)
			}
			spec := DynamoPackage + "@" + DynamoPackageVersion
			if err := runTool(ctx, packDir, npm, "pack", spec, "--ignore-scripts", "--no-fund", "--no-audit", "--loglevel=error"); err != nil {
				return err
			}
			tgzs, _ := filepath.Glob(filepath.Join(packDir, "*.tgz"))
			if len(tgzs) != 1 {
				return fmt.Errorf("localstack: `npm pack %s` produced %d tarballs, want 1", spec, len(tgzs))
			}
			if err := checkSHA256(tgzs[0], wantSHA); err != nil {
				return err
			}
			if err := extractTarGz(tgzs[0], dynamoTarballPrefix, tmp); err != nil {
				return fmt.Errorf("localstack: extracting %s: %w", filepath.Base(tgzs[0]), err)
			}
			return os.RemoveAll(packDir)
		})
}

func validDynamo(dir string) error {
	fi, err := os.Stat(filepath.Join(dir, "DynamoDBLocal.jar"))
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() || fi.Size() == 0 {
		return errors.New("DynamoDBLocal.jar is not a regular non-empty file")
	}
	fi, err = os.Stat(filepath.Join(dir, "DynamoDBLocal_lib"))
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return errors.New("DynamoDBLocal_lib is not a directory")
	}
	return nil
}

func checkSHA256(file, want string) error {
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("localstack: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return fmt.Errorf("localstack: hashing %s: %w", filepath.Base(file), err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != want {
		return fmt.Errorf("localstack: sha256 mismatch for %s: got %s, want %s (the downloaded package is not the pinned one; refusing to use it)",
			filepath.Base(file), got, want)
	}
	return nil
}

// extractTarGz extracts the regular files and directories under prefix in
// the gzipped tar file into dest, stripping prefix.
func extractTarGz(file, prefix, dest string) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return err
	}
	defer gz.Close()
	tr := tar.NewReader(gz)
	n := 0
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		name := path.Clean(strings.TrimPrefix(hdr.Name, "./"))
		rel, ok := strings.CutPrefix(name, strings.TrimSuffix(prefix, "/"))
		if !ok || (rel != "" && rel[0] != '/') {
			continue
		}
		rel = strings.TrimPrefix(rel, "/")
		if rel == "" {
			continue
		}
		if !filepath.IsLocal(filepath.FromSlash(rel)) {
			return fmt.Errorf("unsafe path %q in archive", hdr.Name)
		}
		target := filepath.Join(dest, filepath.FromSlash(rel))
		switch hdr.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(target, 0o755); err != nil {
				return err
			}
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
				return err
			}
			mode := os.FileMode(hdr.Mode)&0o755 | 0o644
			out, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
			if err != nil {
				return err
			}
			if _, err := io.Copy(out, tr); err != nil {
				out.Close()
				return err
			}
			if err := out.Close(); err != nil {
				return err
			}
			n++
		default:
			// Links and special files are not expected; skip them.
		}
	}
	if n == 0 {
		return fmt.Errorf("no files under %s", prefix)
	}
	return nil
}

// StartDynamo starts DynamoDB Local (fetching it first if needed) and waits
// until it answers ListTables. It listens on all interfaces; clients must use
// p.Endpoint. It always runs with -sharedDb, so every access key and region
// sees the same tables. ctx bounds fetching and start-up only: the process
// runs until Stop (or until the parent process dies).
func StartDynamo(ctx context.Context, o DynamoOptions) (*Process, error) {
	java, err := lookTool("java", javaHint)
	if err != nil {
		return nil, err
	}
	dir, err := EnsureDynamo(ctx, o.CacheDir)
	if err != nil {
		return nil, err
	}
	var dataDir string
	if o.DataDir != "" {
		if dataDir, err = absDir(o.DataDir, "DynamoDB data dir"); err != nil {
			return nil, err
		}
	}
	return startWithRetry(o.Port, func(port int) (*Process, error) {
		workDir, cleanup, err := workDirFor(o.WorkDir, "usher-dynamodb-local-")
		if err != nil {
			return nil, err
		}
		args := []string{
			// Quicker start-up (about 20%) and a smaller footprint; plenty
			// for a local emulator.
			"-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
			"-Djava.library.path=" + filepath.Join(dir, "DynamoDBLocal_lib"),
			"-jar", filepath.Join(dir, "DynamoDBLocal.jar"),
			"-port", strconv.Itoa(port),
			"-disableTelemetry",
			"-sharedDb",
		}
		if dataDir == "" {
			args = append(args, "-inMemory")
		} else {
			args = append(args, "-dbPath", dataDir)
		}
		endpoint := "http://127.0.0.1:" + strconv.Itoa(port)
		return launch(ctx, startSpec{
			name:    fmt.Sprintf("DynamoDB Local (port %d)", port),
			path:    java,
			args:    args,
			dir:     workDir,
			log:     o.Log,
			cleanup: cleanup,
			// On e.g. "Failed to bind" the main thread dies but the JVM
			// lives on.
			fatal: func(out string) bool { return strings.Contains(out, `Exception in thread "main"`) },
		}, endpoint, dynamoReadyTimeout, func(ctx context.Context) error {
			return probeDynamo(ctx, endpoint)
		})
	})
}

// workDirFor returns dir (absolute, created) or, for "", a new temporary
// directory and a cleanup that removes it.
func workDirFor(dir, tmpPattern string) (string, func(), error) {
	if dir != "" {
		abs, err := absDir(dir, "work dir")
		return abs, nil, err
	}
	tmp, err := os.MkdirTemp("", tmpPattern)
	if err != nil {
		return "", nil, fmt.Errorf("localstack: creating work dir: %w", err)
	}
	return tmp, func() { _ = os.RemoveAll(tmp) }, nil
}

// probeDynamo sends a ListTables request. DynamoDB Local needs a
// SigV4-shaped Authorization header but does not check the signature.
func probeDynamo(ctx context.Context, endpoint string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint+"/", strings.NewReader("{}"))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810.ListTables")
	req.Header.Set("X-Amz-Date", time.Now().UTC().Format("20060102T150405Z"))
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=local/20240101/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date;x-amz-target, Signature=0000000000000000000000000000000000000000000000000000000000000000")
	resp, err := httpClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "TableNames") {
		return fmt.Errorf("ListTables: HTTP %d: %.200s", resp.StatusCode, body)
	}
	return nil
}
