package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"

	benchpkg "github.com/usherhq/usher/pkg/bench"
)

const benchUsage = `usage: usher bench [--quick] [--out FILE] [--sizes N,M] [--budget D] [--only PHASES]

Measures Usher on this machine against DynamoDB Local and the SES v2
emulator (started for the run, on 127.0.0.1) and prints one table:
DynamoDB round trips and capacity units of every route and of the
authorizer against the budgets of DESIGN.md; list, search, total and
insights at two table sizes; throughput and latency of the local server;
Lambda binary sizes (linux/arm64) and start-up; Go benchmarks of the hot
paths. The same figures go to --out as JSON.

flags:
`

func bench(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(os.Stderr, benchUsage); fs.PrintDefaults() }
	quick := fs.Bool("quick", false, "1 000 and 10 000 users, shorter runs (about 4 minutes)")
	out := fs.String("out", ".local/bench/latest.json", "where the JSON goes (\"\" for none)")
	sizes := fs.String("sizes", "", "users at each scale measurement, comma-separated (default 1000,100000; --quick 1000,10000)")
	budget := fs.Duration("budget", 0, "wall time to aim at; seeding stops early to keep it (default 9m30s; --quick 4m)")
	dynamo := fs.String("dynamodb", "", "use this running DynamoDB Local (e.g. one started with other JVM flags) instead of starting one")
	only := fs.String("only", "", "comma-separated phases to run: "+strings.Join(benchpkg.Phases, ","))
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("bench: unexpected argument %q", fs.Arg(0))
	}
	o := benchpkg.Options{Quick: *quick, Out: *out, Budget: *budget, Dynamo: *dynamo, Stdout: os.Stdout, Log: os.Stderr}
	if *sizes != "" {
		for _, s := range strings.Split(*sizes, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(s))
			if err != nil || n < 1 {
				return fmt.Errorf("bench: --sizes: %q is not a number of users", s)
			}
			o.Sizes = append(o.Sizes, n)
		}
	}
	if *only != "" {
		o.Only = strings.Split(*only, ",")
	}
	_, err := benchpkg.Run(ctx, o)
	return err
}
