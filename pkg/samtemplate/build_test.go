package samtemplate

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	usher "github.com/usherhq/usher"
)

// TestFunctionsBuildAsSamBuildsThem checks what `sam build` relies on for
// BuildMethod go1.x — a CodeUri folder per function holding a main package,
// built there with `go build` into `bootstrap` for provided.al2023 on arm64 —
// and then builds functions exactly that way.
func TestFunctionsBuildAsSamBuildsThem(t *testing.T) {
	root, _ := filepath.Abs(repoRoot)
	doc := parse(t, usher.Template)
	globals := m(t, m(t, doc["Globals"], "Globals")["Function"], "Globals.Function")
	if globals["Runtime"] != "provided.al2023" || globals["Handler"] != "bootstrap" {
		t.Fatalf("globals: Runtime %v, Handler %v", globals["Runtime"], globals["Handler"])
	}
	if arch, _ := globals["Architectures"].([]any); len(arch) != 1 || arch[0] != "arm64" {
		t.Fatalf("globals: Architectures %v", globals["Architectures"])
	}
	declared := map[string]bool{}
	for id, f := range functionsOf(t, doc) {
		if md := m(t, f["Metadata"], id); md["BuildMethod"] != "go1.x" {
			t.Errorf("%s: BuildMethod %v, want go1.x", id, md["BuildMethod"])
		}
		uri, _ := m(t, f["Properties"], id)["CodeUri"].(string)
		name := strings.TrimSuffix(strings.TrimPrefix(uri, "functions/"), "/")
		if !strings.HasPrefix(uri, "functions/") || !strings.HasSuffix(uri, "/") || name == "" || strings.Contains(name, "/") {
			t.Errorf("%s: CodeUri %q, want functions/<name>/", id, uri)
			continue
		}
		declared[name] = true
		src, err := os.ReadFile(filepath.Join(root, uri, "main.go"))
		if err != nil || !strings.Contains(string(src), "package main") {
			t.Errorf("%s: %smain.go is not a main package: %v", id, uri, err)
		}
	}
	dirs, err := os.ReadDir(filepath.Join(root, "functions"))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		if d.IsDir() && !declared[d.Name()] {
			t.Errorf("functions/%s is not in template.yaml", d.Name())
		}
	}
	if testing.Short() {
		return
	}
	env := append(os.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0")
	// Every function compiles for the target...
	all := exec.Command("go", "build", "-tags", "lambda.norpc", "-trimpath", "./functions/...")
	all.Dir, all.Env = root, env
	if out, err := all.CombinedOutput(); err != nil {
		t.Fatalf("go build ./functions/... for linux/arm64: %v\n%s", err, out)
	}
	// ...and two are linked the way sam build does it, in their CodeUri.
	for _, name := range []string{"health", "authorizer"} {
		bin := filepath.Join(t.TempDir(), "bootstrap")
		cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-trimpath", "-ldflags", "-s -w", "-o", bin)
		cmd.Dir, cmd.Env = filepath.Join(root, "functions", name), env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("building functions/%s: %v\n%s", name, err, out)
		}
		f, err := elf.Open(bin)
		if err != nil {
			t.Fatalf("functions/%s: bootstrap is not an ELF executable: %v", name, err)
		}
		if f.Machine != elf.EM_AARCH64 || f.Type != elf.ET_EXEC {
			t.Errorf("functions/%s: bootstrap is %v %v, want an arm64 executable", name, f.Machine, f.Type)
		}
		f.Close()
	}
}
