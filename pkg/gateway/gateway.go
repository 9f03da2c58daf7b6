// Package gateway reproduces, for local runs and tests, what API Gateway (HTTP
// API, payload 2.0) does in front of Usher's functions: route matching, the
// Lambda authorizer with its 401/403 answers, and the v2 event each route's
// function receives. Every request goes through the same Lambda handlers as
// in AWS (aws-lambda-go-api-proxy included).
package gateway

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"

	"github.com/usherhq/usher/pkg/routes"
)

// RouteFunc is a route's Lambda handler.
type RouteFunc func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)

// AuthorizerFunc is the Lambda authorizer's handler.
type AuthorizerFunc func(context.Context, events.APIGatewayV2CustomAuthorizerV2Request) (events.APIGatewayV2CustomAuthorizerSimpleResponse, error)

// New returns an http.Handler serving every route of the table through fn.
func New(table []routes.Route, fn func(routes.Route) RouteFunc, authorize AuthorizerFunc, log *slog.Logger) http.Handler {
	mux := http.NewServeMux()
	for _, rt := range table {
		h := fn(rt)
		mux.Handle(rt.Pattern(), &route{rt: rt, key: rt.Path, fn: h, authorize: authorize, log: log})
		if rt.Static {
			mux.Handle(routes.MuxPattern(rt.Method, rt.SubtreePath()), &route{rt: rt, key: rt.SubtreePath(), fn: h, authorize: authorize, log: log})
		}
	}
	// API Gateway answers any unmatched method or path with a bare 404.
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		gatewayError(w, http.StatusNotFound, "Not Found", newID())
	})
	return mux
}

type route struct {
	rt        routes.Route
	key       string // the route's path as API Gateway declares it
	fn        RouteFunc
	authorize AuthorizerFunc
	log       *slog.Logger
}

// gatewayError writes API Gateway's own plain JSON answers.
func gatewayError(w http.ResponseWriter, status int, msg, rid string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Apigw-Requestid", rid)
	w.WriteHeader(status)
	_, _ = io.WriteString(w, `{"message":"`+msg+`"}`)
}

func (g *route) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rid := newID()
	now := time.Now().UTC()
	body, err := io.ReadAll(io.LimitReader(r.Body, 10<<20+1)) // HTTP API payload limit
	if err != nil || len(body) > 10<<20 {
		gatewayError(w, http.StatusRequestEntityTooLarge, "Request Entity Too Large", rid)
		return
	}
	ev := g.event(r, body, rid, now)
	if !g.rt.Public() {
		h := ev.Headers["authorization"]
		if h == "" {
			gatewayError(w, http.StatusUnauthorized, "Unauthorized", rid)
			return
		}
		res, err := g.authorize(r.Context(), events.APIGatewayV2CustomAuthorizerV2Request{
			Version: "2.0", Type: "REQUEST", RouteArn: "arn:aws:execute-api:local:000000000000:local/$default/" + r.Method + r.URL.Path,
			IdentitySource: []string{h}, RouteKey: ev.RouteKey, RawPath: ev.RawPath, RawQueryString: ev.RawQueryString,
			Headers: ev.Headers, QueryStringParameters: ev.QueryStringParameters, PathParameters: ev.PathParameters,
			RequestContext: ev.RequestContext,
		})
		if err != nil {
			g.log.Error("authorizer failed", "requestId", rid, "err", err.Error())
			gatewayError(w, http.StatusInternalServerError, "Internal Server Error", rid)
			return
		}
		if !res.IsAuthorized {
			gatewayError(w, http.StatusForbidden, "Forbidden", rid)
			return
		}
		ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{Lambda: roundTrip(res.Context)}
	}
	resp, err := g.fn(r.Context(), ev)
	if err != nil {
		g.log.Error("function failed", "route", g.rt.Name, "requestId", rid, "err", err.Error())
		gatewayError(w, http.StatusInternalServerError, "Internal Server Error", rid)
		return
	}
	for k, v := range resp.Headers {
		w.Header().Set(k, v)
	}
	for k, vs := range resp.MultiValueHeaders {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	for _, c := range resp.Cookies {
		w.Header().Add("Set-Cookie", c)
	}
	w.Header().Set("Apigw-Requestid", rid)
	out := []byte(resp.Body)
	if resp.IsBase64Encoded {
		if out, err = base64.StdEncoding.DecodeString(resp.Body); err != nil {
			gatewayError(w, http.StatusBadGateway, "Internal Server Error", rid)
			return
		}
	}
	status := resp.StatusCode
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	_, _ = w.Write(out)
}

// event builds the v2 event API Gateway would send for r.
func (g *route) event(r *http.Request, body []byte, rid string, now time.Time) events.APIGatewayV2HTTPRequest {
	headers := map[string]string{}
	for k, vs := range r.Header {
		if strings.EqualFold(k, "Cookie") {
			continue
		}
		headers[strings.ToLower(k)] = strings.Join(vs, ",")
	}
	if r.Host != "" {
		headers["host"] = r.Host
	}
	var query map[string]string
	for k, vs := range r.URL.Query() {
		if query == nil {
			query = map[string]string{}
		}
		query[k] = strings.Join(vs, ",")
	}
	var params map[string]string
	for _, name := range routes.Params(g.key) {
		if params == nil {
			params = map[string]string{}
		}
		params[name] = r.PathValue(name)
	}
	var cookies []string
	for _, c := range r.Cookies() {
		cookies = append(cookies, c.String())
	}
	ev := events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: g.rt.Method + " " + g.key, RawPath: r.URL.EscapedPath(), RawQueryString: r.URL.RawQuery,
		Cookies: cookies, Headers: headers, QueryStringParameters: query, PathParameters: params,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			AccountID: "000000000000", APIID: "local", DomainName: r.Host, DomainPrefix: "local",
			RequestID: rid, RouteKey: g.rt.Method + " " + g.key, Stage: "$default",
			Time: now.Format("02/Jan/2006:15:04:05 -0700"), TimeEpoch: now.UnixMilli(),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method: r.Method, Path: r.URL.Path, Protocol: r.Proto, SourceIP: sourceIP(r.RemoteAddr), UserAgent: r.UserAgent(),
			},
		},
	}
	if len(body) > 0 {
		if utf8.Valid(body) {
			ev.Body = string(body)
		} else {
			ev.Body, ev.IsBase64Encoded = base64.StdEncoding.EncodeToString(body), true
		}
	}
	return ev
}

// roundTrip passes the authorizer context through JSON, as the real
// gateway does, so that handlers see the same types locally and in AWS.
func roundTrip(m map[string]any) map[string]any {
	b, _ := json.Marshal(m)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return out
}

func sourceIP(addr string) string {
	if i := strings.LastIndexByte(addr, ':'); i > 0 {
		return strings.Trim(addr[:i], "[]")
	}
	return addr
}

func newID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
