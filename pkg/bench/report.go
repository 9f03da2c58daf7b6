package bench

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
)

// Print writes the report as one readable table, section by section.
func Print(w io.Writer, rep *Report) {
	fmt.Fprintf(w, "usher bench — %s/%s, %d CPUs, %s, %s%s\n", rep.Host.GOOS, rep.Host.GOARCH, rep.Host.CPUs, rep.Host.GoVersion, rep.Host.DynamoDB,
		map[bool]string{true: ", --quick", false: ""}[rep.Quick])
	if len(rep.Cost) > 0 {
		printCost(w, rep.Cost)
	}
	if rep.Scale != nil && len(rep.Scale.Sizes) > 0 {
		printScale(w, rep.Scale)
	}
	if len(rep.Load) > 0 {
		printLoad(w, rep.Load)
	}
	if rep.Lambda != nil && len(rep.Lambda.Sizes) > 0 {
		printLambda(w, rep.Lambda)
	}
	if len(rep.GoBench) > 0 {
		printGoBench(w, rep.GoBench)
	}
	section(w, "Summary")
	ok, all := 0, 0
	for _, c := range rep.Cost {
		all++
		if c.OK {
			ok++
		}
	}
	if all > 0 {
		fmt.Fprintf(w, "cost budgets met: %d of %d requests\n", ok, all)
	}
	if len(rep.Misses) == 0 {
		fmt.Fprintln(w, "budget misses: none")
	} else {
		fmt.Fprintf(w, "budget misses (%d):\n", len(rep.Misses))
		// Requests missing their budget for the same reason share a line.
		byWhy := map[string][]string{}
		var order []string
		for _, c := range rep.Cost {
			if c.OK {
				continue
			}
			key := c.Budget + ": " + c.Why
			if c.Note != "" {
				key += " (" + c.Note + ")"
			}
			if _, ok := byWhy[key]; !ok {
				order = append(order, key)
			}
			byWhy[key] = append(byWhy[key], c.Name)
		}
		for _, k := range order {
			fmt.Fprintf(w, "  - %s — %s\n", k, strings.Join(byWhy[k], ", "))
		}
		for _, m := range rep.Misses {
			if !strings.HasPrefix(m, "cost: ") {
				fmt.Fprintf(w, "  - %s\n", m)
			}
		}
	}
	var times []string
	for _, p := range rep.PhaseTimes {
		times = append(times, fmt.Sprintf("%s %.0fs", p.Phase, p.Seconds))
	}
	fmt.Fprintf(w, "took %.0f s (%s)\n", rep.Seconds, strings.Join(times, ", "))
}

func section(w io.Writer, title string) {
	fmt.Fprintf(w, "\n== %s %s\n", title, strings.Repeat("=", max(0, 76-len(title))))
}

func table(w io.Writer) *tabwriter.Writer { return tabwriter.NewWriter(w, 0, 0, 2, ' ', 0) }

func yes(ok bool) string {
	if ok {
		return "ok"
	}
	return "OVER"
}

func printCost(w io.Writer, cs []Cost) {
	section(w, "1. DynamoDB cost per request (one request each, DynamoDB Local, ReturnConsumedCapacity TOTAL)")
	fmt.Fprintln(w, "az: authorizer reads; calls/rounds: the function's own DynamoDB calls and how many it waits for in sequence;")
	fmt.Fprintln(w, "ops: '+' issued together, '>' one after the other; ctr: the per-request counter UpdateItem (issued beside the work);")
	fmt.Fprintln(w, "set: settings read (cached 3 s per instance); mail: SES SendEmail; authorizer rows: on GET /v1/roles, whose function")
	fmt.Fprintln(w, "makes no storage call (+1w: its lastUsedAt write). Calls are named by the key prefix or index they touch. Why a")
	fmt.Fprintln(w, "request is OVER is listed in the summary.")
	tw := table(w)
	fmt.Fprintln(tw, "request\tbudget\tst\taz\tcalls\trounds\tRCU\tWCU\tctr\tset\tmail\tverdict\tops")
	for _, c := range cs {
		az := fmt.Sprint(c.AuthCalls)
		if c.Touch > 0 {
			az += fmt.Sprintf("+%dw", c.Touch)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.Name, c.Budget, c.Status, az, c.Calls, c.Rounds,
			cu(c.RCU), cu(c.WCU), zero(c.Counter), zero(c.Settings), zero(c.Mail), yes(c.OK), dash(c.Ops))
	}
	_ = tw.Flush()
}

func cu(v float64) string {
	if v == 0 {
		return "-"
	}
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.1f", v), "0"), ".")
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func zero(n int) string {
	if n == 0 {
		return "-"
	}
	return fmt.Sprint(n)
}

func printScale(w io.Writer, s *ScaleResult) {
	sizes := make([]string, len(s.Sizes))
	for i, n := range s.Sizes {
		sizes[i] = fmt.Sprint(n)
	}
	section(w, "2. Scale: the same reads at "+strings.Join(sizes, " and ")+" users")
	for _, sd := range s.Seeds {
		fmt.Fprintf(w, "seeded %d users, %d workspaces, %d memberships: %d items (%.1f per user) in %.0f s, %.0f items/s (BatchWriteItem)\n",
			sd.Users, sd.Workspaces, sd.Memberships, sd.Items, sd.ItemsPerUser, sd.Seconds, sd.ItemsPerSec)
	}
	for _, n := range s.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	if len(s.Probes) == 0 {
		return
	}
	tw := table(w)
	head := "read"
	for _, n := range s.Sizes {
		head += fmt.Sprintf("\t@%d calls/rounds\tRCU\titems\tp50 ms\tp90 ms", n)
	}
	fmt.Fprintln(tw, head+"\tRCU ratio\tp50 ratio\tverdict")
	for _, p := range s.Probes {
		line := p.Name
		for _, a := range p.At {
			line += fmt.Sprintf("\t%.0f/%.0f\t%s\t%d\t%.2f\t%.2f", a.Calls, a.Rounds, cu(a.RCU), a.Items, a.P50ms, a.P90ms)
		}
		v := yes(p.OK)
		if p.Why != "" {
			v += ": " + p.Why
		}
		fmt.Fprintf(tw, "%s\t%.2f\t%.2f\t%s\n", line, p.CURatio, p.P50Ratio, v)
	}
	_ = tw.Flush()
	fmt.Fprintln(w, "budget: RCU ratio within 0.9–1.1 and p50 ratio below 1.5 (latency through the local gateway, authorizer included).")
}

func printLoad(w io.Writer, ls []LoadRun) {
	section(w, "3. Local server throughput (HTTP on 127.0.0.1, authorizer + handler + DynamoDB Local, one process)")
	tw := table(w)
	fmt.Fprintln(tw, "route\trequest\tconc\treq/s\tp50 ms\tp99 ms\trequests\terrors")
	for _, l := range ls {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%.0f\t%.2f\t%.2f\t%d\t%d\n", l.Name, l.Request, l.Concurrency, l.RPS, l.P50ms, l.P99ms, l.Requests, l.Errors)
	}
	_ = tw.Flush()
}

func printLambda(w io.Writer, l *LambdaResult) {
	section(w, "4. Lambda binaries ("+l.Target+", Makefile flags) and start-up (lambdarun, "+l.HostArc+")")
	sizes := append([]BinarySize(nil), l.Sizes...)
	sort.Slice(sizes, func(i, j int) bool { return sizes[i].Function < sizes[j].Function })
	lo, hi := sizes[0].Bytes, sizes[0].Bytes
	for _, s := range sizes {
		lo, hi = min(lo, s.Bytes), max(hi, s.Bytes)
	}
	fmt.Fprintf(w, "%d functions, %.2f–%.2f MiB each (built in %.0f s):\n", len(sizes), mib(lo), mib(hi), l.BuildS)
	tw := table(w)
	for i := 0; i < len(sizes); i += 3 {
		var cells []string
		for _, s := range sizes[i:min(i+3, len(sizes))] {
			cells = append(cells, fmt.Sprintf("%s\t%.2f MiB", s.Function, mib(s.Bytes)))
		}
		fmt.Fprintln(tw, "  "+strings.Join(cells, "\t"))
	}
	_ = tw.Flush()
	if len(l.Starts) == 0 {
		return
	}
	tw = table(w)
	fmt.Fprintln(tw, "function\tcold runs\tinit ms (p50)\tfirst invoke ms\twarm ms (in-process p50)\tmax memory MB\tstatus")
	for _, s := range l.Starts {
		st := fmt.Sprint(s.Status)
		if s.Error != "" {
			st = s.Error
		}
		fmt.Fprintf(tw, "%s\t%d\t%.1f\t%.1f\t%.2f\t%.1f\t%s\n", s.Function, s.Runs, s.InitMs, s.FirstMs, s.WarmP50ms, s.MaxMemMB, st)
	}
	_ = tw.Flush()
	fmt.Fprintln(w, "init: process start to the first /next; first invoke: includes the first TCP connection to DynamoDB Local;")
	fmt.Fprintln(w, "warm: lambdarun runs one invocation per process, so warm figures are the same handler called in this process.")
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

func printGoBench(w io.Writer, bs []GoBench) {
	section(w, "5. CPU per request of the handler code (go test -bench -benchmem)")
	tw := table(w)
	fmt.Fprintln(tw, "benchmark\tns/op\tB/op\tallocs/op\twhat")
	for _, b := range bs {
		short := b.Package[strings.LastIndexByte(b.Package, '/')+1:]
		fmt.Fprintf(tw, "%s.%s\t%s\t%d\t%d\t%s\n", short, strings.TrimPrefix(b.Name, "Benchmark"), ns(b.NsPerOp), b.BytesPerOp, b.AllocsPerOp, b.What)
	}
	_ = tw.Flush()
}

func ns(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%.2f ms", v/1e6)
	case v >= 1e3:
		return fmt.Sprintf("%.2f µs", v/1e3)
	}
	return fmt.Sprintf("%.1f ns", v)
}
