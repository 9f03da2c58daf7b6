package store

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/usherhq/usher/pkg/problem"
)

// IdempotencyTTL is how long a key is remembered.
const IdempotencyTTL = 24 * time.Hour

var (
	ErrIdempotencyReused = problem.New(http.StatusUnprocessableEntity, "idempotency_key_reused", "this Idempotency-Key was used with a different request")
	errIdemRace          = errors.New("store: idempotency key taken concurrently")
	errIdemGone          = errors.New("store: idempotency record gone")
)

// Idem identifies one idempotent request: the key, scoped to the caller and
// the route, and a fingerprint of the request it was first used with.
type Idem struct {
	Scope       string // caller + route + key
	Fingerprint string // hash of method, path and body
}

// Replay is a stored first response.
type Replay struct {
	Status int
	Body   []byte
}

type idemItem struct {
	PK          string `dynamodbav:"PK"`
	SK          string `dynamodbav:"SK"`
	Fingerprint string `dynamodbav:"fingerprint"`
	Status      int    `dynamodbav:"status"`
	Sealed      []byte `dynamodbav:"sealed"` // the response, encrypted: it may hold a secret
	LP          string `dynamodbav:"LP"`
	EX          string `dynamodbav:"EX"`
	ExpiresAt   string `dynamodbav:"expiresAt"`
	TTL         int64  `dynamodbav:"ttl"`
}

func idemPK(scope string) string {
	sum := sha256.Sum256([]byte(scope))
	return "IDEM#" + hex.EncodeToString(sum[:])
}

func (s *Store) aead() cipher.AEAD {
	k := sha256.Sum256(append([]byte("usher-idempotency:"), s.cursorKey...))
	block, _ := aes.NewCipher(k[:])
	g, _ := cipher.NewGCM(block)
	return g
}

func (s *Store) seal(pk string, body []byte) []byte {
	g := s.aead()
	nonce := make([]byte, g.NonceSize())
	_, _ = rand.Read(nonce)
	return g.Seal(nonce, nonce, body, []byte(pk))
}

func (s *Store) open(pk string, sealed []byte) ([]byte, error) {
	g := s.aead()
	if len(sealed) < g.NonceSize() {
		return nil, errors.New("sealed response too short")
	}
	return g.Open(nil, sealed[:g.NonceSize()], sealed[g.NonceSize():], []byte(pk))
}

// IdemLookup returns the first response for the key (nil when the key is
// new) or ErrIdempotencyReused when the key came with another request.
func (s *Store) IdemLookup(ctx context.Context, id *Idem) (*Replay, error) {
	pk := idemPK(id.Scope)
	item, err := s.getItem(ctx, pk, "IDEM")
	if err != nil || item == nil {
		return nil, err
	}
	var it idemItem
	if err := attributevalue.UnmarshalMap(item, &it); err != nil {
		return nil, fail(err)
	}
	if it.ExpiresAt <= stamp(s.now()) {
		return nil, nil // forgotten: TTL removes it in time
	}
	if it.Fingerprint != id.Fingerprint {
		return nil, ErrIdempotencyReused
	}
	body, err := s.open(pk, it.Sealed)
	if err != nil {
		return nil, fail(err)
	}
	return &Replay{Status: it.Status, Body: body}, nil
}

// putIdem records the response in the change's own transaction, so that the
// change and its record exist together or not at all.
func (s *Store) putIdem(t *tx, id *Idem, status int, body []byte) {
	if id == nil {
		return
	}
	now := s.now()
	pk := idemPK(id.Scope)
	it := idemItem{PK: pk, SK: "IDEM", Fingerprint: id.Fingerprint, Status: status, Sealed: s.seal(pk, body),
		ExpiresAt: stamp(now.Add(IdempotencyTTL)), TTL: now.Add(IdempotencyTTL).Unix(), LP: lpExpiresIdem, EX: stamp(now.Add(IdempotencyTTL))}
	s.put(t, marshal(it), "attribute_not_exists(PK) OR #expiresAt <= :now", map[string]types.AttributeValue{":now": str(stamp(now))}, errIdemRace)
}

// IdemUpdate replaces the stored response (for a change whose answer is only
// complete after the transaction, such as the outcome of an email).
func (s *Store) IdemUpdate(ctx context.Context, id *Idem, body []byte) error {
	if id == nil {
		return nil
	}
	var t tx
	s.idemAnswer(&t, id, body)
	if err := s.commit(ctx, &t); !errors.Is(err, errIdemGone) {
		return err
	}
	return nil
}

// idemAnswer adds to t the replacement of the stored response; should the
// record be gone (or belong to another request), t fails with errIdemGone.
func (s *Store) idemAnswer(t *tx, id *Idem, body []byte) {
	pk := idemPK(id.Scope)
	s.update(t, pk, "IDEM", "SET #sealed = :b", "#fingerprint = :f", map[string]types.AttributeValue{
		":b": &types.AttributeValueMemberB{Value: s.seal(pk, body)}, ":f": str(id.Fingerprint)}, errIdemGone)
}

// IsIdemRace reports that a concurrent request with the same key won: the
// caller should look the key up again and replay.
func IsIdemRace(err error) bool { return errors.Is(err, errIdemRace) }
