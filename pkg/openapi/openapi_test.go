package openapi

import (
	"bytes"
	"encoding/json"
	"testing"
)

func TestJSON(t *testing.T) {
	a := JSON()
	if !json.Valid(a) {
		t.Fatal("JSON() is not valid JSON")
	}
	a[0] = 'x' // callers get a copy
	b := JSON()
	if b[0] != '{' {
		t.Fatal("JSON() returned shared memory")
	}

	// Round trip: YAML decoded generically equals JSON decoded generically.
	var fromJSON map[string]any
	if err := json.Unmarshal(b, &fromJSON); err != nil {
		t.Fatal(err)
	}
	again, err := json.Marshal(fromJSON)
	if err != nil {
		t.Fatal(err)
	}
	var twice map[string]any
	if err := json.Unmarshal(again, &twice); err != nil {
		t.Fatal(err)
	}
	if !jsonEqual(fromJSON, twice) {
		t.Fatal("JSON() does not round-trip")
	}
	if fromJSON["openapi"] != "3.1.0" {
		t.Errorf("openapi = %v", fromJSON["openapi"])
	}
	// Status codes are string keys.
	paths := fromJSON["paths"].(map[string]any)
	get := paths["/v1/health"].(map[string]any)["get"].(map[string]any)
	if _, ok := get["responses"].(map[string]any)["200"]; !ok {
		t.Error(`responses of GET /v1/health have no "200" key`)
	}
	// Key order of the YAML file is kept.
	if !bytes.HasPrefix(b, []byte(`{"openapi":"3.1.0","info":`)) {
		t.Errorf("JSON() starts with %.40s", b)
	}
}

func TestYAMLToJSONScalars(t *testing.T) {
	in := "a: 1\n200: x\nb: [true, null, 1.5, '2', 2026-01-02]\nc: &x {d: e}\nf: *x\n"
	got, err := yamlToJSON([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"a":1,"200":"x","b":[true,null,1.5,"2","2026-01-02"],"c":{"d":"e"},"f":{"d":"e"}}`
	if string(got) != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	if _, err := yamlToJSON([]byte("a: 1\na: 2\n")); err == nil {
		t.Error("duplicate keys were accepted")
	}
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}
