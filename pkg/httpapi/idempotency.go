package httpapi

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"unicode"

	"github.com/usherhq/usher/pkg/auth"
	"github.com/usherhq/usher/pkg/problem"
	"github.com/usherhq/usher/pkg/store"
)

// stored is a first response as an idempotent route records it.
type stored struct {
	Status  int               `json:"s"`
	Headers map[string]string `json:"h"`
	Body    json.RawMessage   `json:"b"`
}

func record(status int, headers map[string]string, body any) []byte {
	b, _ := json.Marshal(body)
	out, _ := json.Marshal(stored{Status: status, Headers: headers, Body: b})
	return out
}

// idempotency reads the Idempotency-Key of a create request. With a key that
// was already used for the same request it answers with the first response
// (replayed is true); a key used with another request is 422. Otherwise it
// returns what the store needs to record this response (nil without a key).
func (s *Server) idempotency(w http.ResponseWriter, r *http.Request, route string) (id *store.Idem, replayed bool, err error) {
	if id, err = idemKey(r, route); id == nil || err != nil {
		return nil, false, err
	}
	replayed, err = s.replay(w, r, id)
	return id, replayed, err
}

// idemKey reads and checks the Idempotency-Key of a request without looking
// it up (nil without a key): for a route whose store call looks the key up
// alongside its own reads, and records it in its own transaction.
func idemKey(r *http.Request, route string) (*store.Idem, error) {
	key := r.Header.Get("Idempotency-Key")
	if key == "" {
		return nil, nil
	}
	if len(key) > 255 || strings.IndexFunc(key, func(c rune) bool { return c > unicode.MaxASCII || !unicode.IsPrint(c) }) >= 0 {
		return nil, problem.Invalid(problem.FieldError{Field: "Idempotency-Key", Message: "must be 1 to 255 printable ASCII characters"})
	}
	p, _ := auth.FromContext(r.Context())
	body, _ := r.Context().Value(bodyKey{}).([]byte)
	fp := sha256.Sum256([]byte(r.Method + " " + r.URL.Path + "\n" + string(body)))
	return &store.Idem{Scope: p.Type + ":" + p.ID + "|" + route + "|" + key, Fingerprint: hex.EncodeToString(fp[:])}, nil
}

// replayAfter answers a request whose change failed with err, when its key
// was used before: with the first response, or 422 for another request. It
// reports whether it answered (and with what error). A key taken by a
// request whose record is no longer there (it expired just then) is 503: the
// client may retry.
func (s *Server) replayAfter(w http.ResponseWriter, r *http.Request, id *store.Idem, err error) (bool, error) {
	if id == nil || err == nil {
		return false, nil
	}
	replayed, rerr := s.replay(w, r, id)
	switch {
	case replayed || errors.Is(rerr, store.ErrIdempotencyReused):
		return true, rerr
	case store.IsIdemRace(err):
		if rerr != nil {
			return true, rerr
		}
		return true, problem.ErrUnavailable
	}
	return false, nil
}

// replay answers with the recorded first response, if there is one.
func (s *Server) replay(w http.ResponseWriter, r *http.Request, id *store.Idem) (bool, error) {
	rec, err := s.Store.IdemLookup(r.Context(), id)
	if err != nil || rec == nil {
		return false, err
	}
	var st stored
	if err := json.Unmarshal(rec.Body, &st); err != nil {
		return false, err
	}
	for k, v := range st.Headers {
		w.Header().Set(k, v)
	}
	w.Header().Set("Idempotent-Replayed", "true")
	return true, writeRaw(w, st.Status, st.Body)
}

func writeRaw(w http.ResponseWriter, status int, body []byte) error {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, err := w.Write(append(body, '\n'))
	return err
}
