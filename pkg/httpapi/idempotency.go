package httpapi

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
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
	key := r.Header.Get("Idempotency-Key")
	if key == "" {
		return nil, false, nil
	}
	if len(key) > 255 || strings.IndexFunc(key, func(c rune) bool { return c > unicode.MaxASCII || !unicode.IsPrint(c) }) >= 0 {
		return nil, false, problem.Invalid(problem.FieldError{Field: "Idempotency-Key", Message: "must be 1 to 255 printable ASCII characters"})
	}
	p, _ := auth.FromContext(r.Context())
	body, _ := r.Context().Value(bodyKey{}).([]byte)
	fp := sha256.Sum256([]byte(r.Method + " " + r.URL.Path + "\n" + string(body)))
	id = &store.Idem{Scope: p.Type + ":" + p.ID + "|" + route + "|" + key, Fingerprint: hex.EncodeToString(fp[:])}
	replayed, err = s.replay(w, r, id)
	return id, replayed, err
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
