package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/usherhq/usher/pkg/problem"
	"github.com/usherhq/usher/pkg/routes"
)

// MaxBody is the largest request body accepted.
const MaxBody = 64 << 10

var (
	errTooLarge    = problem.New(http.StatusRequestEntityTooLarge, "payload_too_large", "the request body is larger than 64 KiB")
	errMediaType   = problem.New(http.StatusUnsupportedMediaType, "unsupported_media_type", "send the body as application/json")
	errInvalidJSON = problem.New(http.StatusBadRequest, "invalid_json", "the body is not valid JSON")
)

// readBody reads and checks the body of a write before any handler runs.
func readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
	if err != nil {
		return nil, problem.New(http.StatusBadRequest, "invalid_request", "the body could not be read")
	}
	if len(b) > MaxBody {
		return nil, errTooLarge
	}
	switch r.Method {
	case http.MethodPost, http.MethodPut, http.MethodPatch:
	default:
		return b, nil
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, nil
	}
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" || (params["charset"] != "" && !strings.EqualFold(params["charset"], "utf-8")) {
		return nil, errMediaType
	}
	return b, nil
}

// decode reads the JSON body into dst: malformed JSON is invalid_json, an
// unknown field or a wrong type is invalid_request naming the field (the
// mass-assignment guard). required says whether an empty body is an error.
func decode(r *http.Request, dst any, required bool) error {
	body, _ := r.Context().Value(bodyKey{}).([]byte)
	return decodeBytes(body, dst, required)
}

func decodeBytes(body []byte, dst any, required bool) error {
	if len(body) == 0 {
		if required {
			return problem.Invalid(problem.FieldError{Field: "body", Message: "a JSON object is required"})
		}
		return nil
	}
	if !utf8.Valid(body) {
		return errInvalidJSON
	}
	if err := checkShape(body); err != nil {
		return err
	}
	var tree any
	if json.Unmarshal(body, &tree) == nil {
		if _, ok := tree.(map[string]any); !ok {
			return problem.Invalid(problem.FieldError{Field: "body", Message: "must be a JSON object"})
		}
		if err := exactFields(tree, reflect.TypeOf(dst), ""); err != nil {
			return err
		}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syn), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
			return errInvalidJSON
		case errors.As(err, &typ):
			if typ.Field == "" {
				return problem.Invalid(problem.FieldError{Field: "body", Message: "must be a JSON object"})
			}
			return problem.Invalid(problem.FieldError{Field: typ.Field, Message: "must be " + jsonType(typ.Type.Kind().String())})
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			f, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
			return problem.Invalid(problem.FieldError{Field: f, Message: "is not a field of this request"})
		default:
			var fe *problem.Error
			if errors.As(err, &fe) {
				return fe
			}
			return errInvalidJSON
		}
	}
	if dec.More() {
		return errInvalidJSON
	}
	if _, err := dec.Token(); err != io.EOF {
		return errInvalidJSON
	}
	return nil
}

func jsonType(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "slice", "array":
		return "an array"
	case "map", "struct":
		return "an object"
	}
	return "a number"
}

// Opt is a field that may be absent, null or set.
type Opt[T any] struct {
	Set, Null bool
	V         T
}

// UnmarshalJSON records that the field was present.
func (o *Opt[T]) UnmarshalJSON(b []byte) error {
	o.Set = true
	if string(b) == "null" {
		o.Null = true
		return nil
	}
	return json.Unmarshal(b, &o.V)
}

// page reads limit and cursor.
func page(r *http.Request, f *problem.Fields) (limit int, cursor string) {
	limit = 50
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 200 {
			f.Add("limit", "must be a whole number from 1 to 200")
		}
		limit = n
	}
	return limit, r.URL.Query().Get("cursor")
}

// oneOf reads an optional query parameter restricted to a set of values.
func oneOf(r *http.Request, f *problem.Fields, name string, allowed ...string) string {
	v := r.URL.Query().Get(name)
	if v == "" {
		return ""
	}
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	f.Add(name, "must be one of "+strings.Join(allowed, ", "))
	return ""
}

// ifMatch returns the version the client expects (0: none).
func ifMatch(r *http.Request) (int64, error) {
	v := strings.TrimSpace(r.Header.Get("If-Match"))
	if v == "" || v == "*" {
		return 0, nil
	}
	v = strings.TrimPrefix(v, "W/")
	n, err := strconv.ParseInt(strings.Trim(v, `"`), 10, 64)
	if err != nil || n <= 0 || !strings.HasPrefix(v, `"`) {
		return 0, problem.ErrPreconditionFailed
	}
	return n, nil
}

// writeJSON answers with a JSON document.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, err = w.Write(append(b, '\n'))
	return err
}

func etag(version int64) string { return `"` + strconv.FormatInt(version, 10) + `"` }

// maxDepth bounds how deeply a body may nest; no request needs more than 4.
const maxDepth = 16

// checkShape refuses what the decoder would otherwise accept quietly: a key
// given twice in one object (the decoder keeps the last, so a body could
// look one way to a proxy and another to us) and absurd nesting.
func checkShape(body []byte) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	type frame struct {
		object bool
		keys   map[string]bool
		key    bool // the next string in this object is a key
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return nil // syntax errors are reported by the real decode
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				if top != nil && top.object {
					top.key = true
				}
				if len(stack) >= maxDepth {
					return problem.New(http.StatusBadRequest, "invalid_json", "the body nests deeper than 16 levels")
				}
				stack = append(stack, &frame{object: t == '{', keys: map[string]bool{}, key: t == '{'})
			default:
				stack = stack[:len(stack)-1]
			}
		case string:
			if top != nil && top.object && top.key {
				if top.keys[t] {
					return problem.Invalid(problem.FieldError{Field: t, Message: "is given twice"})
				}
				top.keys[t] = true
				top.key = false
				continue
			}
			if top != nil && top.object {
				top.key = true
			}
		default:
			if top != nil && top.object {
				top.key = true
			}
		}
	}
}

// ValidID reports whether s can be an id: what Usher issues (UUIDs) and
// nothing that could upset a key lookup (length, odd characters).
func ValidID(s string) bool {
	if len(s) == 0 || len(s) > 100 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// checkPathIDs answers 404 for a path id that no resource can have.
func checkPathIDs(rt routes.Route, r *http.Request) error {
	for _, name := range routes.Params(rt.Path) {
		if !ValidID(r.PathValue(name)) {
			return problem.ErrNotFound
		}
	}
	return nil
}

// idParam reads an optional id query parameter.
func idParam(r *http.Request, f *problem.Fields, name string) string {
	v := r.URL.Query().Get(name)
	if v != "" && !ValidID(v) {
		f.Add(name, "is not a valid id")
		return ""
	}
	return v
}

// exactFields refuses, at every depth, a key that is not exactly the name of
// a field of the destination: encoding/json would match "ROLE" to "role" and
// ignore unknown keys inside nested values.
func exactFields(v any, t reflect.Type, path string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	// Opt[T] carries its value in V.
	if t.Kind() == reflect.Struct && strings.HasPrefix(t.Name(), "Opt[") {
		if f, ok := t.FieldByName("V"); ok {
			return exactFields(v, f.Type, path)
		}
	}
	switch val := v.(type) {
	case map[string]any:
		if t.Kind() != reflect.Struct {
			return nil // maps and free-form values take any key
		}
		fields := map[string]reflect.Type{}
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name != "" && name != "-" {
				fields[name] = f.Type
			}
		}
		for k, sub := range val {
			ft, ok := fields[k]
			if !ok {
				return problem.Invalid(problem.FieldError{Field: path + k, Message: "is not a field of this request"})
			}
			if err := exactFields(sub, ft, path+k+"."); err != nil {
				return err
			}
		}
	case []any:
		if t.Kind() == reflect.Slice || t.Kind() == reflect.Array {
			for i, sub := range val {
				if err := exactFields(sub, t.Elem(), strings.TrimSuffix(path, ".")+"["+strconv.Itoa(i)+"]."); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
