// Package openapi holds the OpenAPI 3.1 document of the Usher HTTP API
// (openapi.yaml, embedded), serves it as JSON and offers a validator that
// tests use to check requests and responses against it.
//
// The document describes exactly the routes of routes.All; the package's tests
// fail when the two disagree.
package openapi

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"
)

//go:embed openapi.yaml
var specYAML []byte

var (
	jsonOnce  sync.Once
	jsonBytes []byte
	jsonErr   error
)

// YAML is the document as written.
func YAML() []byte { return specYAML }

// JSON returns the OpenAPI document as JSON, in the key order of openapi.yaml.
// It is converted once; every call returns a fresh copy the caller may keep or
// modify. It panics if the embedded document cannot be converted, which the
// package's tests rule out.
func JSON() []byte {
	jsonOnce.Do(func() {
		jsonBytes, jsonErr = yamlToJSON(specYAML)
	})
	if jsonErr != nil {
		panic("openapi: embedded openapi.yaml: " + jsonErr.Error())
	}
	return bytes.Clone(jsonBytes)
}

// httpMethods are the operation keys of an OpenAPI Path Item Object.
var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// Paths returns one "METHOD /path" entry (method in upper case, path as
// written in the document, e.g. "GET /v1/users/{id}") for every operation of
// the document, sorted. The entries have the form of routes.Route.Pattern.
func Paths() []string {
	var doc struct {
		Paths map[string]map[string]yaml.Node `yaml:"paths"`
	}
	if err := yaml.Unmarshal(specYAML, &doc); err != nil {
		panic("openapi: embedded openapi.yaml: " + err.Error())
	}
	var out []string
	for path, item := range doc.Paths {
		for key := range item {
			if slices.Contains(httpMethods, key) {
				out = append(out, strings.ToUpper(key)+" "+path)
			}
		}
	}
	slices.Sort(out)
	return out
}

// yamlToJSON converts a YAML document to JSON, keeping the order of mapping
// keys. Mapping keys always become JSON strings (an unquoted 200 gives "200");
// scalars keep their YAML type (string, integer, float, boolean, null), except
// timestamps, which stay the strings they were written as.
func yamlToJSON(in []byte) ([]byte, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(in, &root); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := writeJSON(&buf, &root); err != nil {
		return nil, err
	}
	if !json.Valid(buf.Bytes()) {
		return nil, fmt.Errorf("conversion produced invalid JSON")
	}
	return buf.Bytes(), nil
}

func writeJSON(buf *bytes.Buffer, n *yaml.Node) error {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) != 1 {
			return fmt.Errorf("line %d: expected one document", n.Line)
		}
		return writeJSON(buf, n.Content[0])
	case yaml.AliasNode:
		return writeJSON(buf, n.Alias)
	case yaml.MappingNode:
		buf.WriteByte('{')
		seen := make(map[string]bool, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind == yaml.AliasNode {
				k = k.Alias
			}
			if k.Kind != yaml.ScalarNode {
				return fmt.Errorf("line %d: mapping key is not a scalar", k.Line)
			}
			if k.Tag == "!!merge" {
				return fmt.Errorf("line %d: merge keys are not supported", k.Line)
			}
			if seen[k.Value] {
				return fmt.Errorf("line %d: duplicate key %q", k.Line, k.Value)
			}
			seen[k.Value] = true
			if i > 0 {
				buf.WriteByte(',')
			}
			key, _ := json.Marshal(k.Value)
			buf.Write(key)
			buf.WriteByte(':')
			if err := writeJSON(buf, v); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
		return nil
	case yaml.SequenceNode:
		buf.WriteByte('[')
		for i, c := range n.Content {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := writeJSON(buf, c); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
		return nil
	case yaml.ScalarNode:
		var v any
		switch n.ShortTag() {
		case "!!str", "!!timestamp", "!!binary":
			v = n.Value
		case "!!null":
			v = nil
		case "!!bool", "!!int", "!!float":
			if err := n.Decode(&v); err != nil {
				return fmt.Errorf("line %d: %w", n.Line, err)
			}
		default:
			return fmt.Errorf("line %d: unsupported tag %s", n.Line, n.ShortTag())
		}
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("line %d: %w", n.Line, err)
		}
		buf.Write(b)
		return nil
	}
	return fmt.Errorf("line %d: unsupported YAML node kind %d", n.Line, n.Kind)
}
