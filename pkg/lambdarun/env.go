package lambdarun

import (
	"fmt"
	"maps"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/usherhq/usher/pkg/samtemplate/cfnyaml"
)

// DefaultTable is the table of `usher dev`.
const DefaultTable = "usher-dev"

// LocalValues are the values `usher dev` (pkg/devstack) runs with, used for
// the variables whose template value is an intrinsic function (a !Ref or
// !Sub of a deployment parameter or of the stack), so that cursors, links and
// mail work the same as in `usher dev`.
var LocalValues = map[string]string{
	"STAGE":                   "local",
	"SENDER_EMAIL":            "usher@example.com",
	"INVITE_URL_BASE":         "http://127.0.0.1:3000/console/accept",
	"PASSWORD_RESET_URL_BASE": "http://127.0.0.1:3000/console/reset",
	"CURSOR_SECRET":           "usher-local",
}

// Local describes the local stack a function runs against.
type Local struct {
	// Table is what a !Ref of the template's DynamoDB table resolves to;
	// "" means DefaultTable.
	Table string
	// DynamoDBEndpoint and SESEndpoint become DYNAMODB_ENDPOINT and
	// SES_ENDPOINT, so the function uses the local emulators (with dummy
	// credentials, see pkg/config); empty ones are left out.
	DynamoDBEndpoint string
	SESEndpoint      string
	// Region resolves AWS::Region; "" means DefaultRegion.
	Region string
	// Values override non-literal template values by variable name; nil
	// means LocalValues.
	Values map[string]string
}

// FunctionConfig is what the template says about one function, resolved for
// a local run.
type FunctionConfig struct {
	Function  string
	LogicalID string        // the template resource; "" when there is none
	Env       []string      // KEY=VALUE, sorted
	MemoryMB  int           // MemorySize; 0 when the template does not set it
	Timeout   time.Duration // Timeout; 0 when the template does not set it
	// Warnings are things the caller should tell the user: variables that
	// could not be resolved locally, or a function the template lacks.
	Warnings []string
}

// Config reads the environment, memory size and timeout of
// functions/<function> from a SAM template: Globals.Function, then the
// resource whose CodeUri is functions/<function>/. !Ref of the table resolves
// to local.Table, other intrinsics first to local.Values by variable name,
// then to parameter defaults and local pseudo parameters. DYNAMODB_ENDPOINT,
// SES_ENDPOINT and dummy AWS credentials are added.
func Config(template []byte, function string, local Local) (FunctionConfig, error) {
	if local.Table == "" {
		local.Table = DefaultTable
	}
	if local.Region == "" {
		local.Region = DefaultRegion
	}
	if local.Values == nil {
		local.Values = LocalValues
	}
	fc := FunctionConfig{Function: function}
	doc, err := cfnyaml.Unmarshal(template)
	if err != nil {
		return fc, fmt.Errorf("lambdarun: template: %w", err)
	}
	r := &resolver{doc: doc, local: local}
	r.params, _ = doc["Parameters"].(map[string]any)
	r.resources, _ = doc["Resources"].(map[string]any)

	globals, _ := dig(doc, "Globals", "Function").(map[string]any)
	var props map[string]any
	var ids []string
	for id, res := range r.resources {
		m, _ := res.(map[string]any)
		p, _ := m["Properties"].(map[string]any)
		if p == nil || (m["Type"] != "AWS::Serverless::Function" && m["Type"] != "AWS::Lambda::Function") {
			continue
		}
		if uri, ok := p["CodeUri"].(string); ok && path.Clean(strings.TrimPrefix(uri, "./")) == FunctionsDir+"/"+function {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	switch len(ids) {
	case 0:
		fc.Warnings = append(fc.Warnings, fmt.Sprintf("template.yaml has no function with CodeUri %s/%s/: using Globals.Function only", FunctionsDir, function))
	default:
		if len(ids) > 1 {
			fc.Warnings = append(fc.Warnings, fmt.Sprintf("several template resources have CodeUri %s/%s/ (%s): using %s", FunctionsDir, function, strings.Join(ids, ", "), ids[0]))
		}
		fc.LogicalID = ids[0]
		props = dig(r.resources, ids[0], "Properties").(map[string]any)
	}

	env := map[string]string{}
	for _, where := range []struct {
		name string
		m    map[string]any
	}{{"Globals.Function", globals}, {fc.LogicalID, props}} {
		if where.m == nil {
			continue
		}
		if mb, ok := where.m["MemorySize"].(int); ok {
			fc.MemoryMB = mb
		}
		if s, ok := where.m["Timeout"].(int); ok {
			fc.Timeout = time.Duration(s) * time.Second
		}
		e, ok := where.m["Environment"]
		if !ok {
			continue
		}
		vars, ok := dig(e, "Variables").(map[string]any)
		if !ok {
			fc.Warnings = append(fc.Warnings, where.name+".Environment.Variables is not a literal mapping: ignored")
			continue
		}
		for _, k := range slices.Sorted(maps.Keys(vars)) {
			v := vars[k]
			if s, ok := literal(v); ok {
				env[k] = s
				continue
			}
			if s, ok := local.Values[k]; ok {
				env[k] = s
				continue
			}
			s, err := r.resolve(v)
			switch {
			case err == errNoValue:
				delete(env, k)
			case err != nil:
				delete(env, k)
				fc.Warnings = append(fc.Warnings, fmt.Sprintf("%s: %v: left unset", k, err))
			default:
				env[k] = s
			}
		}
	}
	if local.DynamoDBEndpoint != "" {
		env["DYNAMODB_ENDPOINT"] = local.DynamoDBEndpoint
	}
	if local.SESEndpoint != "" {
		env["SES_ENDPOINT"] = local.SESEndpoint
	}
	// Lambda always gives a function its role's credentials; these dummy
	// ones make sure a local run never reaches a real account.
	env["AWS_ACCESS_KEY_ID"] = "local"
	env["AWS_SECRET_ACCESS_KEY"] = "local"
	for _, k := range slices.Sorted(maps.Keys(env)) {
		fc.Env = append(fc.Env, k+"="+env[k])
	}
	return fc, nil
}

func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// literal formats a scalar template value.
func literal(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case int:
		return strconv.Itoa(x), true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case bool:
		return strconv.FormatBool(x), true
	case nil:
		return "", true
	}
	return "", false
}

var errNoValue = fmt.Errorf("AWS::NoValue")

type resolver struct {
	doc       map[string]any
	params    map[string]any
	resources map[string]any
	local     Local
}

// resolve evaluates the intrinsic functions a local run can: Ref, Fn::Sub,
// Fn::Join and Fn::GetAtt of the table's Arn.
func (r *resolver) resolve(v any) (string, error) {
	if s, ok := literal(v); ok {
		return s, nil
	}
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		return "", fmt.Errorf("unsupported value %v", v)
	}
	for fn, arg := range m {
		switch fn {
		case "Ref":
			name, _ := arg.(string)
			return r.ref(name)
		case "Fn::Sub":
			return r.sub(arg)
		case "Fn::Join":
			a, ok := arg.([]any)
			if len(a) != 2 || !ok {
				return "", fmt.Errorf("malformed Fn::Join")
			}
			delim, _ := a[0].(string)
			items, ok := a[1].([]any)
			if !ok { // a list parameter, say: CloudFormation gives it comma separated
				s, err := r.resolve(a[1])
				if err != nil {
					return "", err
				}
				return strings.ReplaceAll(s, ",", delim), nil
			}
			var parts []string
			for _, it := range items {
				s, err := r.resolve(it)
				if err != nil {
					return "", err
				}
				parts = append(parts, s)
			}
			return strings.Join(parts, delim), nil
		case "Fn::GetAtt":
			a, _ := arg.([]any)
			if len(a) == 2 && a[1] == "Arn" && r.isTable(a[0]) {
				return fmt.Sprintf("arn:aws:dynamodb:%s:%s:table/%s", r.local.Region, AccountID, r.local.Table), nil
			}
			return "", fmt.Errorf("Fn::GetAtt %v has no local value", arg)
		}
		return "", fmt.Errorf("%s has no local value", fn)
	}
	panic("unreachable")
}

func (r *resolver) isTable(name any) bool {
	s, _ := name.(string)
	return dig(r.resources, s, "Type") == "AWS::DynamoDB::Table"
}

func (r *resolver) ref(name string) (string, error) {
	switch name {
	case "AWS::Region":
		return r.local.Region, nil
	case "AWS::AccountId":
		return AccountID, nil
	case "AWS::Partition":
		return "aws", nil
	case "AWS::URLSuffix":
		return "amazonaws.com", nil
	case "AWS::StackName":
		return "usher-local", nil
	case "AWS::StackId":
		return fmt.Sprintf("arn:aws:cloudformation:%s:%s:stack/usher-local/00000000-0000-0000-0000-000000000000", r.local.Region, AccountID), nil
	case "AWS::NoValue":
		return "", errNoValue
	}
	if r.isTable(name) {
		return r.local.Table, nil
	}
	if p, ok := r.params[name].(map[string]any); ok {
		if d, ok := p["Default"]; ok {
			if s, ok := literal(d); ok {
				return s, nil
			}
			if l, ok := d.([]any); ok { // CommaDelimitedList
				var parts []string
				for _, x := range l {
					s, _ := literal(x)
					parts = append(parts, s)
				}
				return strings.Join(parts, ","), nil
			}
		}
		return "", fmt.Errorf("parameter %s has no default", name)
	}
	if _, ok := r.resources[name]; ok {
		return "", fmt.Errorf("!Ref %s (a %v) has no local value", name, dig(r.resources, name, "Type"))
	}
	return "", fmt.Errorf("!Ref %s: no such parameter or resource", name)
}

var subVar = regexp.MustCompile(`\$\{([^}]*)\}`)

func (r *resolver) sub(arg any) (string, error) {
	tmpl, vars := "", map[string]any{}
	switch a := arg.(type) {
	case string:
		tmpl = a
	case []any:
		if len(a) != 2 {
			return "", fmt.Errorf("malformed Fn::Sub")
		}
		tmpl, _ = a[0].(string)
		vars, _ = a[1].(map[string]any)
	default:
		return "", fmt.Errorf("malformed Fn::Sub")
	}
	var firstErr error
	out := subVar.ReplaceAllStringFunc(tmpl, func(m string) string {
		name := m[2 : len(m)-1]
		if strings.HasPrefix(name, "!") { // ${!Literal}
			return "${" + name[1:] + "}"
		}
		var s string
		var err error
		if v, ok := vars[name]; ok {
			s, err = r.resolve(v)
		} else if res, attr, ok := strings.Cut(name, "."); ok {
			s, err = r.resolve(map[string]any{"Fn::GetAtt": []any{res, attr}})
		} else {
			s, err = r.ref(name)
		}
		if err != nil && firstErr == nil {
			firstErr = err
		}
		return s
	})
	return out, firstErr
}
