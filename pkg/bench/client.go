package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"
)

// Resp is what the client observed.
type Resp struct {
	Status  int
	Header  http.Header
	Body    []byte
	Latency time.Duration
}

// JSON decodes the body into a map.
func (r Resp) JSON() map[string]any {
	var m map[string]any
	_ = json.Unmarshal(r.Body, &m)
	return m
}

// Str returns a top-level string field of the body.
func (r Resp) Str(key string) string { v, _ := r.JSON()[key].(string); return v }

// Client calls an instance over HTTP on 127.0.0.1.
type Client struct {
	base string
	http *http.Client
}

// NewClient returns a client with a connection pool sized for conns
// concurrent requests.
func NewClient(base string, conns int) *Client {
	tr := &http.Transport{MaxIdleConns: conns * 2, MaxIdleConnsPerHost: conns * 2, IdleConnTimeout: time.Minute}
	return &Client{base: base, http: &http.Client{Transport: tr, Timeout: 30 * time.Second}}
}

// Req is one request.
type Req struct {
	Method, Path, Token string
	Body                any // nil, []byte (sent raw) or a value sent as JSON
	Header              map[string]string
}

func (r Req) String() string { return r.Method + " " + r.Path }

var tallyIDs atomic.Int64

// Do sends a request; with a tally, the AWS calls it causes are counted there.
func (c *Client) Do(ctx context.Context, q Req, t *Tally) (Resp, error) {
	var body io.Reader
	switch b := q.Body.(type) {
	case nil:
	case []byte:
		body = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			return Resp{}, err
		}
		body = bytes.NewReader(j)
	}
	req, err := http.NewRequestWithContext(ctx, q.Method, c.base+q.Path, body)
	if err != nil {
		return Resp{}, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if q.Token != "" {
		req.Header.Set("Authorization", "Bearer "+q.Token)
	}
	for k, v := range q.Header {
		req.Header.Set(k, v)
	}
	if t != nil {
		id := strconv.FormatInt(tallyIDs.Add(1), 10)
		tallies.Store(id, t)
		defer tallies.Delete(id)
		req.Header.Set(tallyHeader, id)
	}
	start := time.Now()
	hr, err := c.http.Do(req)
	if err != nil {
		return Resp{}, err
	}
	defer hr.Body.Close()
	b, err := io.ReadAll(hr.Body)
	lat := time.Since(start)
	if err != nil {
		return Resp{}, err
	}
	return Resp{Status: hr.StatusCode, Header: hr.Header, Body: b, Latency: lat}, nil
}

// Must sends a request and fails unless it answers want.
func (c *Client) Must(ctx context.Context, q Req, want int) (Resp, error) {
	r, err := c.Do(ctx, q, nil)
	if err != nil {
		return r, fmt.Errorf("%s: %w", q, err)
	}
	if r.Status != want {
		return r, fmt.Errorf("%s: status %d, want %d: %s", q, r.Status, want, bytes.TrimSpace(r.Body))
	}
	return r, nil
}
