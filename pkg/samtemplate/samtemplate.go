// Package samtemplate renders template.yaml, the AWS SAM template of Usher,
// from the route table in pkg/routes. Regenerate it with
//
//	go run ./cmd/gentemplate
package samtemplate

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"text/template"

	"github.com/usherhq/usher/pkg/routes"
)

// Logical IDs of the shared resources of the template.
const (
	TableID          = "Table"
	HttpApiID        = "HttpApi"
	AuthorizerName   = "UsherAuthorizer"
	AccessLogGroupID = "ApiAccessLogGroup"
	RouteEventName   = "Route" // key of the single HttpApi event of each route function
)

// TTLAttribute is the DynamoDB time-to-live attribute of the table.
const TTLAttribute = "ttl"

// Index is one global secondary index of the table, all projected ALL.
type Index struct {
	Name, Hash, Range string
}

// Table layout: the template is the only definition of the table, pkg/tabledef
// reads it back for local development and tests.
var (
	tableAttributes = []string{"PK", "SK", "LP", "SC", "SE", "SN", "EX"}
	tableIndexes    = []Index{
		{Name: "ByCreated", Hash: "LP", Range: "SC"},
		{Name: "ByEmail", Hash: "LP", Range: "SE"},
		{Name: "ByName", Hash: "LP", Range: "SN"},
		{Name: "ByExpiry", Hash: "LP", Range: "EX"},
	}
)

// logRetentionDays are the values CloudWatch Logs accepts for RetentionInDays.
var logRetentionDays = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

// CORS settings of the HTTP API (origins come from the CorsAllowedOrigins parameter).
var (
	corsAllowHeaders  = []string{"Authorization", "Content-Type", "If-Match", "Idempotency-Key"}
	corsExposeHeaders = []string{"ETag", "X-Request-Id", "Retry-After"}
	corsAllowMethods  = []string{"GET", "POST", "PUT", "PATCH", "DELETE"}
)

// accessLogFormat is the JSON line API Gateway writes per request.
var accessLogFields = [][2]string{
	{"requestId", "$context.requestId"},
	{"ip", "$context.identity.sourceIp"},
	{"requestTime", "$context.requestTime"},
	{"method", "$context.httpMethod"},
	{"routeKey", "$context.routeKey"},
	{"path", "$context.path"},
	{"status", "$context.status"},
	{"protocol", "$context.protocol"},
	{"responseLength", "$context.responseLength"},
	{"responseLatency", "$context.responseLatency"},
	{"integrationLatency", "$context.integrationLatency"},
	{"integrationError", "$context.integrationErrorMessage"},
	{"authorizerError", "$context.authorizer.error"},
	{"error", "$context.error.message"},
}

// PascalCase turns a function name such as "users-get" into "UsersGet".
func PascalCase(name string) string {
	var b strings.Builder
	for _, part := range strings.Split(name, "-") {
		if part == "" {
			continue
		}
		b.WriteString(strings.ToUpper(part[:1]))
		b.WriteString(part[1:])
	}
	return b.String()
}

// FunctionID is the logical ID of the function in the named folder.
func FunctionID(name string) string { return PascalCase(name) + "Function" }

// LogGroupID is the logical ID of the log group of the named function.
func LogGroupID(name string) string { return PascalCase(name) + "LogGroup" }

// function is one AWS::Serverless::Function of the template.
type function struct {
	Name       string // folder under functions/
	ID         string // logical ID
	LogGroupID string
	Comment    string
	Route      *routes.Route // nil for the authorizer
	ReadOnly   bool
	SendsMail  bool
}

type data struct {
	Attributes       []string
	Indexes          []Index
	TTLAttribute     string
	LogRetentionDays []int
	AllowHeaders     []string
	ExposeHeaders    []string
	AllowMethods     []string
	AccessLogFormat  string
	Authorizer       function
	Functions        []function
}

var (
	nameRE   = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)
	methodRE = regexp.MustCompile(`^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)$`)
	pathRE   = regexp.MustCompile(`^(/[A-Za-z0-9._~{}-]+)+$`)
)

// Render returns the complete text of template.yaml for every function of
// the route table.
func Render() ([]byte, error) {
	return render(routes.Functions())
}

func render(all []routes.Route) ([]byte, error) {
	d := data{
		Attributes:       tableAttributes,
		Indexes:          tableIndexes,
		TTLAttribute:     TTLAttribute,
		LogRetentionDays: logRetentionDays,
		AllowHeaders:     corsAllowHeaders,
		ExposeHeaders:    corsExposeHeaders,
		AllowMethods:     corsAllowMethods,
		AccessLogFormat:  accessLogFormat(),
		Authorizer: function{
			Name:       routes.AuthorizerFunction,
			ID:         FunctionID(routes.AuthorizerFunction),
			LogGroupID: LogGroupID(routes.AuthorizerFunction),
			Comment:    "Lambda authorizer of every non-public route",
		},
	}

	ids := map[string]string{}
	for _, id := range []string{TableID, HttpApiID, AccessLogGroupID, d.Authorizer.ID, d.Authorizer.LogGroupID} {
		ids[id] = "shared resource"
	}
	routeKeys := map[string]string{}
	for i := range all {
		r := &all[i]
		if !nameRE.MatchString(r.Name) {
			return nil, fmt.Errorf("samtemplate: route name %q: want lower-case words joined by '-'", r.Name)
		}
		if !methodRE.MatchString(r.Method) {
			return nil, fmt.Errorf("samtemplate: route %s: bad method %q", r.Name, r.Method)
		}
		if !pathRE.MatchString(r.Path) {
			return nil, fmt.Errorf("samtemplate: route %s: bad path %q", r.Name, r.Path)
		}
		if other, dup := routeKeys[r.Pattern()]; dup {
			return nil, fmt.Errorf("samtemplate: routes %s and %s both serve %s", other, r.Name, r.Pattern())
		}
		routeKeys[r.Pattern()] = r.Name
		f := function{
			Name:       r.Name,
			ID:         FunctionID(r.Name),
			LogGroupID: LogGroupID(r.Name),
			Comment:    fmt.Sprintf("%s %s (%s): %s", r.Method, r.Path, r.Permission, r.Summary),
			Route:      r,
			ReadOnly:   r.ReadOnly,
			SendsMail:  r.SendsMail,
		}
		if len(f.Comment) > 256 {
			return nil, fmt.Errorf("samtemplate: route %s: Lambda description %q is longer than 256 characters", r.Name, f.Comment)
		}
		for _, id := range []string{f.ID, f.LogGroupID} {
			if other, dup := ids[id]; dup {
				return nil, fmt.Errorf("samtemplate: route %s: logical ID %s already used by %s", r.Name, id, other)
			}
			ids[id] = r.Name
		}
		d.Functions = append(d.Functions, f)
	}

	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, d); err != nil {
		return nil, fmt.Errorf("samtemplate: %w", err)
	}
	return buf.Bytes(), nil
}

func accessLogFormat() string {
	parts := make([]string, len(accessLogFields))
	for i, f := range accessLogFields {
		parts[i] = fmt.Sprintf(`"%s":"%s"`, f[0], f[1])
	}
	return "{" + strings.Join(parts, ",") + "}"
}

var tmpl = template.Must(template.New("template.yaml").Funcs(template.FuncMap{
	"flow": func(items []string) string { return "[" + strings.Join(items, ", ") + "]" },
	"ints": func(items []int) string {
		s := make([]string, len(items))
		for i, n := range items {
			s[i] = fmt.Sprint(n)
		}
		return "[" + strings.Join(s, ", ") + "]"
	},
	// squote renders a YAML single-quoted scalar.
	"squote": func(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" },
}).Parse(templateText))
