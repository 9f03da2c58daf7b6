// Command usher is Usher's developer and operator CLI.
//
//	usher dev                      run the API locally with DynamoDB Local and the SES emulator
//	usher bootstrap --table T      create the first super_admin and an API key (real AWS or local)
//	usher cleanup --table T        run the scheduled cleanup once against a table
//	usher check --table T          scan a table for broken invariants
//	usher invoke FUNCTION [EVENT]  run a function's real binary under a local Lambda Runtime API
//	usher version                  print the version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/usherhq/usher/pkg/app"
	"github.com/usherhq/usher/pkg/config"
	"github.com/usherhq/usher/pkg/devstack"
	"github.com/usherhq/usher/pkg/store"
	"github.com/usherhq/usher/pkg/validate"
)

const usage = `usage:
  usher dev [--port N] [--email E] [--dir .local]
  usher bootstrap --table T [--email E] [--name N]
  usher cleanup --table T
  usher check --table T                scan a table for broken invariants (counters, copies, guards)
  usher invoke FUNCTION [EVENT.json]   (event from stdin when no file)
  usher bench [--quick]                measure cost, scale, latency and binaries (make bench)
  usher version
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch os.Args[1] {
	case "dev":
		err = dev(ctx, os.Args[2:])
	case "bootstrap":
		err = bootstrap(ctx, os.Args[2:], os.Stdout)
	case "cleanup":
		err = cleanup(ctx, os.Args[2:], os.Stdout)
	case "invoke":
		err = invoke(ctx, os.Args[2:])
	case "check":
		err = check(ctx, os.Args[2:], os.Stdout)
	case "bench":
		err = bench(ctx, os.Args[2:])
	case "version", "--version", "-v":
		fmt.Println("usher", config.Version)
	case "help", "-h", "--help":
		fmt.Print(usage)
	default:
		fmt.Fprintf(os.Stderr, "usher: unknown command %q\n%s", os.Args[1], usage)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "usher:", err)
		os.Exit(1)
	}
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func dev(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("dev", flag.ContinueOnError)
	port := fs.String("port", envOr("PORT", "3000"), "API port on 127.0.0.1 (env PORT)")
	email := fs.String("email", envOr("USHER_ADMIN_EMAIL", "admin@example.com"), "email of the bootstrap super_admin (env USHER_ADMIN_EMAIL)")
	dir := fs.String("dir", ".local", "state directory (data, logs, the dev admin token)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	e, msg := validate.Email(*email)
	if msg != "" {
		return fmt.Errorf("--email %s", msg)
	}
	return devstack.Run(ctx, devstack.Options{
		Dir: *dir, Addr: "127.0.0.1:" + *port, SESPort: 8005, AdminEmail: e, Table: "usher-dev",
		Out: os.Stdout, Log: app.Logger(os.Stderr, slog.LevelInfo),
	})
}

func bootstrap(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("bootstrap", flag.ContinueOnError)
	table := tableFlag(fs)
	email := fs.String("email", "admin@example.com", "email of the first super_admin")
	name := fs.String("name", "Admin", "name of the first super_admin")
	if err := fs.Parse(args); err != nil {
		return err
	}
	e, msg := validate.Email(*email)
	if msg != "" {
		return fmt.Errorf("--email %s", msg)
	}
	n, msg := validate.Name(*name)
	if msg != "" {
		return fmt.Errorf("--name %s", msg)
	}
	a, _, err := openTable(ctx, *table, app.Logger(io.Discard, slog.LevelError))
	if err != nil {
		return err
	}
	u, _, secret, err := a.Store.Bootstrap(ctx, e, n)
	if errors.Is(err, store.ErrBootstrapped) {
		return fmt.Errorf("refused: %w (table %s). Use an existing admin's key to create more users", err, *table)
	}
	if err != nil {
		return fmt.Errorf("bootstrap failed: %w", err)
	}
	fmt.Fprintf(out, "Created super_admin %s (id %s).\nAPI key (shown once, store it safely):\n%s\n", u.Email, u.ID, secret)
	return nil
}
