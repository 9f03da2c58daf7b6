// Package cfnyaml reads CloudFormation YAML templates with yaml.v3.
//
// CloudFormation's short-form intrinsic tags (!Ref, !Sub, !GetAtt, !If, ...)
// are not YAML types, so the document is walked node by node and every tagged
// node is rewritten to its long, JSON form: `!Ref X` becomes
// {"Ref": "X"}, `!GetAtt A.B` becomes {"Fn::GetAtt": ["A", "B"]} and
// `!If [c, a, b]` becomes {"Fn::If": ["c", a, b]}.
package cfnyaml

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// Unmarshal parses a CloudFormation YAML (or JSON) template into plain Go
// values: map[string]any, []any, string, int, float64, bool and nil.
func Unmarshal(data []byte) (map[string]any, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("cfnyaml: %w", err)
	}
	v, err := Convert(&doc)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("cfnyaml: template is not a mapping")
	}
	return m, nil
}

// Convert turns a yaml.v3 node into plain Go values, rewriting CloudFormation
// short-form tags to their long form.
func Convert(n *yaml.Node) (any, error) {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return Convert(n.Content[0])
	case yaml.AliasNode:
		return Convert(n.Alias)
	}

	if fn, ok := intrinsic(n.Tag); ok {
		return convertTagged(n, fn)
	}

	switch n.Kind {
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("cfnyaml: line %d: non-scalar mapping key", k.Line)
			}
			val, err := Convert(v)
			if err != nil {
				return nil, err
			}
			m[k.Value] = val
		}
		return m, nil
	case yaml.SequenceNode:
		s := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			val, err := Convert(c)
			if err != nil {
				return nil, err
			}
			s = append(s, val)
		}
		return s, nil
	case yaml.ScalarNode:
		var v any
		if err := n.Decode(&v); err != nil {
			return nil, fmt.Errorf("cfnyaml: line %d: %w", n.Line, err)
		}
		return v, nil
	}
	return nil, fmt.Errorf("cfnyaml: line %d: unexpected node kind %d", n.Line, n.Kind)
}

// intrinsic maps a local tag such as "!Sub" to the long-form key "Fn::Sub".
func intrinsic(tag string) (string, bool) {
	if !strings.HasPrefix(tag, "!") || strings.HasPrefix(tag, "!!") || tag == "!" {
		return "", false
	}
	name := tag[1:]
	switch name {
	case "Ref", "Condition":
		return name, true
	}
	return "Fn::" + name, true
}

func convertTagged(n *yaml.Node, fn string) (any, error) {
	var arg any
	switch n.Kind {
	case yaml.ScalarNode:
		arg = n.Value
		if fn == "Fn::GetAtt" {
			res, attr, ok := strings.Cut(n.Value, ".")
			if !ok {
				return nil, fmt.Errorf("cfnyaml: line %d: !GetAtt %q is not Resource.Attribute", n.Line, n.Value)
			}
			arg = []any{res, attr}
		}
	default:
		// Convert the node's content without its tag.
		plain := *n
		plain.Tag = ""
		v, err := Convert(&plain)
		if err != nil {
			return nil, err
		}
		arg = v
	}
	return map[string]any{fn: arg}, nil
}
