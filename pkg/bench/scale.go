package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/usherhq/usher/pkg/store"
)

// ScaleResult compares what the same reads cost at two table sizes.
type ScaleResult struct {
	Sizes  []int         `json:"sizes"` // users in the table at each step
	Seeds  []SeedStat    `json:"seeding"`
	Probes []ScaleProbe  `json:"probes"`
	Notes  []string      `json:"notes,omitempty"`
	Took   time.Duration `json:"-"`
}

// SeedStat is one seeding step.
type SeedStat struct {
	Users        int     `json:"users"`
	Workspaces   int     `json:"workspaces"`
	Memberships  int     `json:"memberships"`
	Items        int     `json:"items"`
	Seconds      float64 `json:"seconds"`
	ItemsPerSec  float64 `json:"itemsPerSecond"`
	ItemsPerUser float64 `json:"itemsPerUser"`
}

// ScaleProbe is one read measured at every size.
type ScaleProbe struct {
	Name     string       `json:"name"`
	Request  string       `json:"request"`
	At       []ProbeStats `json:"at"` // one per size
	CURatio  float64      `json:"capacityRatio"`
	P50Ratio float64      `json:"p50Ratio"`
	OK       bool         `json:"meetsBudget"`
	Why      string       `json:"why,omitempty"`
}

// ProbeStats are a probe's figures at one size.
type ProbeStats struct {
	Users  int     `json:"users"`
	Calls  float64 `json:"calls"`  // DynamoDB calls of the route's own work, per request
	Rounds float64 `json:"rounds"` // sequential round trips among them
	RCU    float64 `json:"rcu"`    // read capacity units per request (route's own work)
	Items  int     `json:"items"`  // items in the page
	P50ms  float64 `json:"p50Ms"`
	P90ms  float64 `json:"p90Ms"`
}

var (
	firstNames = []string{"Ada", "Alan", "Grace", "Linus", "Barbara", "Ken", "Margaret", "Dennis", "Frances", "Edsger",
		"Radia", "Donald", "Hedy", "Tim", "Katherine", "Vint", "Sophie", "John", "Mary", "Niklaus",
		"Annie", "Bjarne", "Carol", "Guido", "Jean", "Larry", "Lynn", "Rob", "Shafi", "Yukihiro",
		"Anita", "Brian", "Cynthia", "Dan", "Evelyn", "Fran", "Gordon", "Irene", "Joan", "Karen"}
	lastNames = []string{"Lovelace", "Turing", "Hopper", "Torvalds", "Liskov", "Thompson", "Hamilton", "Ritchie", "Allen", "Dijkstra",
		"Perlman", "Knuth", "Lamarr", "Berners", "Johnson", "Cerf", "Wilson", "McCarthy", "Kenyon", "Wirth",
		"Easley", "Stroustrup", "Shaw", "Rossum", "Sammet", "Page", "Conway", "Pike", "Goldwasser", "Matsumoto",
		"Borg", "Kernighan", "Dwork", "Bricklin", "Boyd", "Bilas", "Moore", "Greif", "Clarke", "Jones"}
	domains = []string{"acme.io", "example.com", "globex.net", "initech.org"}
	// A fifth of the users are plain viewers of the most common role mix.
	seedRoles = []string{"viewer", "viewer", "viewer", "viewer", "viewer", "viewer", "viewer", "viewer", "editor", "operator", "admin", "api_user"}
)

// seedUser is the n-th user of the seeded population: names and emails as a
// real directory has them (a name, a numbered address at one of four domains).
func seedUser(n int, r *rand.Rand) store.NewUser {
	f := firstNames[r.IntN(len(firstNames))]
	l := lastNames[r.IntN(len(lastNames))]
	d := domains[n%len(domains)]
	return store.NewUser{
		Email: fmt.Sprintf("%s.%s%d@%s", strings.ToLower(f), strings.ToLower(l), n, d),
		Name:  f + " " + l,
		Role:  seedRoles[r.IntN(len(seedRoles))],
	}
}

// seedStep grows the instance's table to users users (from have), with a
// workspace for every 500 users (at least 60 in the first step, so that a
// page of workspaces is full at every size), each of 10 members.
func seedStep(ctx context.Context, in *Instance, have, users, concurrency int, r *rand.Rand) (SeedStat, []string, error) {
	batch := make([]store.NewUser, 0, users-have)
	for n := have; n < users; n++ {
		batch = append(batch, seedUser(n, r))
	}
	start := time.Now()
	seeded, err := in.Store.SeedUsers(ctx, batch, concurrency)
	if err != nil {
		return SeedStat{}, nil, fmt.Errorf("seeding users: %w", err)
	}
	ids := make([]string, len(seeded.Users))
	for i, u := range seeded.Users {
		ids[i] = u.ID
	}
	var ws []store.SeedWorkspace
	members := 0
	nws := max(1, (users-have)/500)
	if have == 0 {
		nws = max(nws, 60)
	}
	for w := 0; w < nws; w++ {
		sw := store.SeedWorkspace{Name: fmt.Sprintf("%s Team %d", lastNames[r.IntN(len(lastNames))], have+w),
			CreatedBy: store.Ref{Type: "user", ID: in.AdminID}}
		for m := range 10 {
			role := store.WorkspaceMember
			if m == 0 {
				role = store.WorkspaceOwner
			}
			sw.Members = append(sw.Members, store.SeedMember{UserID: ids[r.IntN(len(ids))], Role: role})
		}
		sw.Members = dedupeMembers(sw.Members)
		members += len(sw.Members)
		ws = append(ws, sw)
	}
	_, wsItems, err := in.Store.SeedWorkspaces(ctx, ws, concurrency)
	if err != nil {
		return SeedStat{}, nil, fmt.Errorf("seeding workspaces: %w", err)
	}
	secs := time.Since(start).Seconds()
	items := seeded.Items + wsItems
	return SeedStat{Users: len(batch), Workspaces: len(ws), Memberships: members, Items: items, Seconds: secs,
		ItemsPerSec: float64(items) / secs, ItemsPerUser: float64(seeded.Items) / float64(len(batch))}, ids, nil
}

func dedupeMembers(ms []store.SeedMember) []store.SeedMember {
	seen := map[string]bool{}
	out := ms[:0]
	for _, m := range ms {
		if !seen[m.UserID] {
			seen[m.UserID] = true
			out = append(out, m)
		}
	}
	return out
}

// probe is a read measured at each size.
type probe struct {
	name string
	req  func(in *Instance, wsID string) Req
	// direct, when set, measures a store call instead of an HTTP request.
	direct func(ctx context.Context, in *Instance) error
}

func scaleProbes() []probe {
	get := func(path string) func(*Instance, string) Req {
		return func(in *Instance, _ string) Req { return Req{Method: "GET", Path: path, Token: in.Admin} }
	}
	return []probe{
		{name: "users list page (50, with total)", req: get("/v1/users?limit=50")},
		{name: "users list page by role, name desc", req: get("/v1/users?limit=50&role=viewer&sort=name&order=desc")},
		{name: "users search page (q=acme, one word)", req: get("/v1/users?limit=50&q=acme")},
		// Two words whose users sort last in their prefix partition (by
		// email, i.e. first name): the search reads the partition, filtering,
		// until its 1 000-entry budget runs out.
		{name: "users search, rare match (q=yukihiro lovelace)", req: get("/v1/users?limit=50&q=" + url.QueryEscape("yukihiro lovelace"))},
		{name: "total (counter shards, store.Counters)", direct: func(ctx context.Context, in *Instance) error {
			_, err := in.Store.Counters(ctx)
			return err
		}},
		{name: "insights", req: get("/v1/insights")},
		{name: "workspaces list page", req: get("/v1/workspaces?limit=50")},
		{name: "workspace members page", req: func(in *Instance, ws string) Req {
			return Req{Method: "GET", Path: "/v1/workspaces/" + ws + "/members?limit=50", Token: in.Admin}
		}},
	}
}

// sample is one measured request of a probe.
type sample struct {
	lat   time.Duration
	own   []Op
	items int
}

// measureOnce runs a probe once on a table.
func measureOnce(ctx context.Context, c *Client, in *Instance, p probe, wsID string) (sample, error) {
	t := NewTally()
	var sm sample
	if p.direct != nil {
		start := time.Now()
		if err := p.direct(WithTally(ctx, t, PhaseHandler), in); err != nil {
			return sm, fmt.Errorf("%s: %w", p.name, err)
		}
		sm.lat = time.Since(start)
	} else {
		q := p.req(in, wsID)
		r, err := c.Do(ctx, q, t)
		if err != nil {
			return sm, fmt.Errorf("%s: %w", p.name, err)
		}
		if r.Status != 200 {
			return sm, fmt.Errorf("%s: %s answered %d: %s", p.name, q, r.Status, r.Body)
		}
		sm.lat = r.Latency
		if items, ok := r.JSON()["items"].([]any); ok {
			sm.items = len(items)
		}
	}
	sm.own = ownOps(t.Ops(PhaseHandler))
	return sm, nil
}

// summarise turns a probe's samples at one size into its figures.
func summarise(users int, samples []sample) ProbeStats {
	st := ProbeStats{Users: users}
	n := float64(len(samples))
	var lats []time.Duration
	for _, sm := range samples {
		lats = append(lats, sm.lat)
		st.Calls += float64(len(sm.own)) / n
		st.Rounds += float64(Rounds(sm.own)) / n
		for _, o := range sm.own {
			st.RCU += o.RCU / n
		}
		st.Items = sm.items
	}
	st.P50ms, st.P90ms = ms(percentile(lats, 50)), ms(percentile(lats, 90))
	return st
}

// ownOps leaves out the calls that are not the route's own work (the
// request counter, the cached settings read).
func ownOps(ops []Op) []Op {
	var out []Op
	for _, o := range ops {
		if o.Kind == "" {
			out = append(out, o)
		}
	}
	return out
}

func percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(float64(len(s))*p/100+0.5) - 1
	return s[min(max(i, 0), len(s)-1)]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// ScaleOptions bound the scale phase.
type ScaleOptions struct {
	Sizes       []int     // users in each table, ascending
	Samples     int       // requests measured per probe and size
	Warmup      int       // requests per probe and size before measuring
	Concurrency int       // BatchWriteItem requests in flight while seeding
	Deadline    time.Time // seeding stops early when the next chunk would pass it
	Reserve     time.Duration
}

// seedChunk is how many users are seeded between deadline checks.
const seedChunk = 5000

// scaleTable is one table of the scale phase.
type scaleTable struct {
	in    *Instance
	users int
	wsID  string
}

// RunScale seeds one table per size, then measures the probes on all of
// them, interleaved request by request, so that every size sees the same
// state of DynamoDB Local (its JIT, its heap). When the deadline would be
// passed, the largest table stops at what was reached (a note says so).
func RunScale(ctx context.Context, st *Stack, o ScaleOptions, progress func(string, ...any)) (ScaleResult, error) {
	start := time.Now()
	res := ScaleResult{}
	var tables []*scaleTable
	defer func() {
		for _, t := range tables {
			t.in.Close()
			// The tables are left to the emulator, which stops after the
			// run: deleting a million items would only cost time.
		}
	}()
	r := rand.New(rand.NewPCG(7, 11))
	for _, size := range o.Sizes {
		name, err := st.NewTable(ctx, fmt.Sprintf("scale%d", size))
		if err != nil {
			return res, err
		}
		in, err := st.NewInstance(ctx, name, discardLogger())
		if err != nil {
			return res, err
		}
		t := &scaleTable{in: in}
		tables = append(tables, t)
		progress("scale: seeding a table of %d users…", size)
		seed, cut, err := seedTable(ctx, in, size, o, r, progress)
		if err != nil {
			return res, err
		}
		t.users = seed.Users + 1 // and the bootstrap admin
		res.Seeds = append(res.Seeds, seed)
		progress("scale: seeded %d items in %.1f s (%.0f items/s, %.1f items per user)", seed.Items, seed.Seconds, seed.ItemsPerSec, seed.ItemsPerUser)
		page, err := in.Store.ListWorkspaces(ctx, store.WorkspaceQuery{Limit: 1})
		if err != nil || len(page.Items) == 0 {
			return res, fmt.Errorf("no seeded workspace: %v", err)
		}
		t.wsID = page.Items[0].ID
		if cut {
			res.Notes = append(res.Notes, fmt.Sprintf("seeding stopped at %d of %d users to stay within the time budget (%.0f items/s)", seed.Users, size, seed.ItemsPerSec))
			progress("scale: time budget: the table holds %d users instead of %d", seed.Users, size)
			break
		}
	}
	for _, t := range tables {
		res.Sizes = append(res.Sizes, t.users)
	}
	if len(tables) < 2 {
		res.Took = time.Since(start)
		return res, nil
	}
	progress("scale: measuring %d probes on %d tables, interleaved…", len(scaleProbes()), len(tables))
	probes := scaleProbes()
	samples := make([][][]sample, len(probes)) // probe, table, sample
	for i := range samples {
		samples[i] = make([][]sample, len(tables))
	}
	clients := make([]*Client, len(tables))
	for i, t := range tables {
		clients[i] = NewClient(t.in.URL, 2)
	}
	for round := -o.Warmup; round < o.Samples; round++ {
		for i, p := range probes {
			for j, t := range tables {
				sm, err := measureOnce(ctx, clients[j], t.in, p, t.wsID)
				if err != nil {
					return res, err
				}
				if round >= 0 {
					samples[i][j] = append(samples[i][j], sm)
				}
			}
		}
	}
	for i, p := range probes {
		sp := ScaleProbe{Name: p.name}
		for j, t := range tables {
			sp.At = append(sp.At, summarise(t.users, samples[i][j]))
		}
		if p.req != nil {
			sp.Request = p.req(tables[0].in, "{id}").String()
		} else {
			sp.Request = "store.Counters (COUNTERS partition query)"
		}
		first, last := sp.At[0], sp.At[len(sp.At)-1]
		sp.CURatio = ratio(last.RCU, first.RCU)
		sp.P50Ratio = ratio(last.P50ms, first.P50ms)
		sp.OK = sp.CURatio >= 0.9 && sp.CURatio <= 1.1 && sp.P50Ratio < 1.5
		var why []string
		if sp.CURatio > 1.1 || sp.CURatio < 0.9 {
			why = append(why, fmt.Sprintf("capacity x%.2f", sp.CURatio))
		}
		if sp.P50Ratio >= 1.5 {
			why = append(why, fmt.Sprintf("p50 x%.2f", sp.P50Ratio))
		}
		if first.Items != last.Items && p.req != nil {
			why = append(why, fmt.Sprintf("page of %d items at %d users, %d at %d", first.Items, first.Users, last.Items, last.Users))
		}
		sp.Why = strings.Join(why, "; ")
		res.Probes = append(res.Probes, sp)
	}
	res.Took = time.Since(start)
	return res, nil
}

// seedTable seeds a table to size users in chunks; cut reports that the
// deadline stopped it early.
func seedTable(ctx context.Context, in *Instance, size int, o ScaleOptions, r *rand.Rand, progress func(string, ...any)) (SeedStat, bool, error) {
	total := SeedStat{}
	have, chunks, userItems := 0, 0, 0
	for have < size {
		next := min(size, have+seedChunk)
		if total.Items > 0 && !o.Deadline.IsZero() {
			perUser := total.Seconds / float64(total.Users)
			if time.Now().Add(time.Duration(perUser*float64(next-have)*float64(time.Second)) + o.Reserve).After(o.Deadline) {
				return finish(total, userItems), true, nil
			}
		}
		seed, _, err := seedStep(ctx, in, have, next, o.Concurrency, r)
		if err != nil {
			return total, false, err
		}
		total.Users += seed.Users
		total.Workspaces += seed.Workspaces
		total.Memberships += seed.Memberships
		total.Items += seed.Items
		total.Seconds += seed.Seconds
		userItems += int(seed.ItemsPerUser*float64(seed.Users) + 0.5)
		have = next
		if chunks++; chunks%4 == 0 && have < size {
			progress("scale: %d users, %.0f items/s", have, float64(total.Items)/total.Seconds)
		}
	}
	return finish(total, userItems), false, nil
}

func finish(s SeedStat, userItems int) SeedStat {
	if s.Seconds > 0 {
		s.ItemsPerSec = float64(s.Items) / s.Seconds
	}
	s.ItemsPerUser = float64(userItems) / float64(max(s.Users, 1))
	return s
}

func ratio(a, b float64) float64 {
	if b == 0 {
		if a == 0 {
			return 1
		}
		return 0
	}
	return a / b
}
