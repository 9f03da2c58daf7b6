// Command gentemplate writes template.yaml, the AWS SAM template, from the
// route table in pkg/routes, and the thin main.go of any route function that
// does not have one yet. Run it from the repository root:
//
//	go run ./cmd/gentemplate
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/usherhq/usher/pkg/routes"

	"github.com/usherhq/usher/pkg/samtemplate"
)

func main() {
	out := flag.String("o", "template.yaml", "file to write")
	check := flag.Bool("check", false, "only report whether the file is up to date (exit 1 if not)")
	flag.Parse()

	err := run(*out, *check)
	if err == nil && !*check {
		err = writeMains()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gentemplate:", err)
		os.Exit(1)
	}
}

func run(out string, check bool) error {
	text, err := samtemplate.Render()
	if err != nil {
		return err
	}
	if out == "template.yaml" {
		// Guard against writing a stray template.yaml outside the repository root.
		if _, err := os.Stat("go.mod"); err != nil {
			return fmt.Errorf("run from the repository root (no go.mod here) or pass -o")
		}
	}
	if check {
		cur, err := os.ReadFile(out)
		if err != nil {
			return err
		}
		if !bytes.Equal(cur, text) {
			return fmt.Errorf("%s is out of date: run go run ./cmd/gentemplate", out)
		}
		return nil
	}
	if cur, err := os.ReadFile(out); err == nil && bytes.Equal(cur, text) {
		return nil
	}
	return os.WriteFile(out, text, 0o644)
}

// writeMains creates functions/<name>/main.go for routes that lack one.
func writeMains() error {
	for _, rt := range routes.All {
		path := filepath.Join("functions", rt.Name, "main.go")
		if _, err := os.Stat(path); err == nil {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		src := fmt.Sprintf("// Command %s is the Lambda function behind %s %s.\npackage main\n\nimport \"github.com/usherhq/usher/pkg/app\"\n\nfunc main() { app.StartRoute(%q) }\n", rt.Name, rt.Method, rt.Path, rt.Name)
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			return err
		}
	}
	return nil
}
