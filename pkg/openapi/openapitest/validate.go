// Package openapitest checks HTTP requests and responses against Usher's
// OpenAPI document. It is for tests only, so that kin-openapi never ends up in
// a Lambda binary.
package openapitest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/mail"
	"net/url"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/usherhq/usher/pkg/openapi"
)

// Validator checks HTTP requests and responses against the OpenAPI document.
// It is meant for tests: handlers' answers are checked against the contract.
// A Validator is safe for concurrent use.
type Validator struct {
	doc    *openapi3.T
	router routers.Router
}

// NewValidator loads and validates the embedded document and builds a router
// over its operations.
func NewValidator() (*Validator, error) {
	doc, err := load()
	if err != nil {
		return nil, err
	}
	router, err := legacy.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("openapi: router: %w", err)
	}
	return &Validator{doc: doc, router: router}, nil
}

// load parses the embedded document and validates it as OpenAPI.
func load() (*openapi3.T, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(openapi.YAML())
	if err != nil {
		return nil, fmt.Errorf("openapi: load: %w", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		return nil, fmt.Errorf("openapi: invalid document: %w", err)
	}
	return doc, nil
}

// Document returns the parsed document. Callers must not modify it.
func (v *Validator) Document() *openapi3.T { return v.doc }

// options are the openapi3filter options of every check: security is not
// checked (the gateway's authorizer does that), an undocumented response
// status is an error, every schema violation is reported at once and the
// "email" format is enforced.
func options() *openapi3filter.Options {
	return &openapi3filter.Options{
		AuthenticationFunc:    openapi3filter.NoopAuthenticationFunc,
		IncludeResponseStatus: true,
		MultiError:            true,
		SchemaValidationOptions: []openapi3.SchemaValidationOption{
			openapi3.WithStringFormatValidator("email", openapi3.NewCallbackValidator(checkEmail)),
		},
	}
}

// checkEmail enforces the "email" format as the contract has it: a bare
// address, without display name, angle brackets, comments or line breaks.
func checkEmail(s string) error {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s || strings.ContainsAny(s, "\r\n") {
		return fmt.Errorf("not a bare email address")
	}
	return nil
}

// findRoute maps req to an operation of the document. Only the path and the
// query of req.URL are used, so both "/v1/users" and
// "http://127.0.0.1:3000/v1/users" work.
func (v *Validator) findRoute(req *http.Request) (*routers.Route, map[string]string, error) {
	r := req.Clone(req.Context())
	r.URL = &url.URL{Path: req.URL.Path, RawPath: req.URL.RawPath, RawQuery: req.URL.RawQuery}
	route, params, err := v.router.FindRoute(r)
	if err != nil {
		return nil, nil, fmt.Errorf("openapi: %s %s: %w", req.Method, req.URL.Path, err)
	}
	return route, params, nil
}

// ValidateResponse checks a response to req against the document: the route
// must exist, status must be documented for it, the documented headers must be
// present and valid, the Content-Type must be one the status documents and the
// body must match its schema. A status documented without content must come
// with an empty body. req's body is not read.
func (v *Validator) ValidateResponse(req *http.Request, status int, header http.Header, body []byte) error {
	route, params, err := v.findRoute(req)
	if err != nil {
		return err
	}
	if header == nil {
		header = http.Header{}
	}
	opts := options()
	reqInput := &openapi3filter.RequestValidationInput{
		Request:    req,
		PathParams: params,
		Route:      route,
		Options:    opts,
	}
	input := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: reqInput,
		Status:                 status,
		Header:                 header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                opts,
	}
	if err := openapi3filter.ValidateResponse(context.Background(), input); err != nil {
		return fmt.Errorf("openapi: %s %s -> %d: %w", req.Method, route.Path, status, err)
	}
	if resp := route.Operation.Responses.Status(status); resp != nil && resp.Value != nil &&
		len(resp.Value.Content) == 0 && len(body) > 0 {
		return fmt.Errorf("openapi: %s %s -> %d: the response is documented without a body but has %d bytes",
			req.Method, route.Path, status, len(body))
	}
	return nil
}

// ValidateRequest checks req against the document: the route must exist and
// its parameters and body must match. Security is not checked. req's body is
// read and replaced by an identical one, so the request can still be served.
func (v *Validator) ValidateRequest(req *http.Request) error {
	route, params, err := v.findRoute(req)
	if err != nil {
		return err
	}
	var body []byte
	if req.Body != nil && req.Body != http.NoBody {
		body, err = io.ReadAll(req.Body)
		_ = req.Body.Close()
		if err != nil {
			return fmt.Errorf("openapi: reading the request body: %w", err)
		}
	}
	restore := func() {
		if body != nil {
			req.Body = io.NopCloser(bytes.NewReader(body))
		}
	}
	// Validate a copy, so that defaults kin-openapi fills in do not leak into req.
	r := req.Clone(req.Context())
	if body != nil {
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	}
	opts := options()
	opts.SkipSettingDefaults = true
	input := &openapi3filter.RequestValidationInput{
		Request:    r,
		PathParams: params,
		Route:      route,
		Options:    opts,
	}
	err = openapi3filter.ValidateRequest(context.Background(), input)
	restore()
	if err != nil {
		return fmt.Errorf("openapi: %s %s: %w", req.Method, route.Path, err)
	}
	return nil
}
