package store

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/usherhq/usher/pkg/auth"
	"github.com/usherhq/usher/pkg/problem"
	"github.com/usherhq/usher/pkg/routes"
	"github.com/usherhq/usher/pkg/testenv"
)

// localStore is a store on a fresh table of a DynamoDB Local of its own: this
// package has no TestMain, so that its pure tests start nothing. The table
// must pass Check when the test ends.
func localStore(t *testing.T) (*Store, *dynamodb.Client) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts DynamoDB Local")
	}
	ctx := context.Background()
	p, err := testenv.StartDynamo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Stop() })
	c := testenv.NewClient(p.Endpoint)
	if err := testenv.CreateTable(ctx, c, "usher-store-test"); err != nil {
		t.Fatal(err)
	}
	s := New(c, "usher-store-test", "secret")
	t.Cleanup(func() {
		if t.Failed() {
			return
		}
		problems, err := s.Check(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range problems {
			t.Errorf("inconsistent table: %s", p)
		}
	})
	return s, c
}

func sessionsOf(t *testing.T, c *dynamodb.Client, table, userID string) int {
	t.Helper()
	out, err := c.Query(context.Background(), &dynamodb.QueryInput{TableName: &table, ConsistentRead: aws.Bool(true), Select: types.SelectCount,
		KeyConditionExpression:    aws.String("PK = :pk AND begins_with(SK, :s)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(userPK(userID)), ":s": str(skSession)}})
	if err != nil {
		t.Fatal(err)
	}
	return int(out.Count)
}

// TestWritesFromWhatWasRead covers the changes that write from an earlier
// read instead of reading again: when what was read went stale, they must
// notice (their transaction's condition fails) and decide on fresh data.
func TestWritesFromWhatWasRead(t *testing.T) {
	s, c := localStore(t)
	ctx := context.Background()
	root, _, _, err := s.Bootstrap(ctx, "root@example.com", "Root")
	if err != nil {
		t.Fatal(err)
	}
	admin := &Caller{P: auth.Principal{Type: auth.KindUser, ID: root.ID, Role: auth.SuperAdmin}, Roles: auth.ManagerRoles(routes.UsersWrite)}
	n := 0
	newUser := func(t *testing.T, hash string) User {
		t.Helper()
		n++
		u, err := s.CreateUser(ctx, admin, NewUser{Email: fmt.Sprintf("u%d@example.com", n), Name: "U", Role: "viewer", PasswordHash: hash})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}

	t.Run("login on a state whose password changed since", func(t *testing.T) {
		u := newUser(t, "hash-1")
		ls, err := s.LoginState(ctx, u.Email)
		if err != nil || ls.UserID != u.ID || ls.PasswordHash != "hash-1" {
			t.Fatalf("LoginState: %+v, %v", ls, err)
		}
		if err := s.SetPassword(ctx, admin, u.ID, "hash-2", "", func(User) error { return nil }); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.OpenSessionFor(ctx, ls, time.Hour); !errors.Is(err, ErrInvalidCredentials) {
			t.Fatalf("a session opened for a password checked against the old hash: %v", err)
		}
		if got := sessionsOf(t, c, s.table, u.ID); got != 0 {
			t.Fatalf("%d sessions, want 0", got)
		}
	})

	t.Run("login on a state whose user was deactivated since", func(t *testing.T) {
		u := newUser(t, "hash-1")
		ls, _ := s.LoginState(ctx, u.Email)
		off := StatusDeactivated
		if _, err := s.UpdateUser(ctx, admin, u.ID, 0, func(User) (UserPatch, error) { return UserPatch{Status: &off}, nil }); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.OpenSessionFor(ctx, ls, time.Hour); !errors.Is(err, ErrInvalidCredentials) {
			t.Fatalf("a deactivated user signed in: %v", err)
		}
	})

	t.Run("login on a state whose user was deleted since", func(t *testing.T) {
		u := newUser(t, "hash-1")
		ls, _ := s.LoginState(ctx, u.Email)
		if err := s.DeleteUser(ctx, admin, u.ID, 0, func(User) error { return nil }); err != nil {
			t.Fatal(err)
		}
		// The same answer as an unknown address, never a 404.
		if _, _, err := s.OpenSessionFor(ctx, ls, time.Hour); !errors.Is(err, ErrInvalidCredentials) {
			t.Fatalf("OpenSessionFor after the user was deleted: %v, want ErrInvalidCredentials", err)
		}
	})

	t.Run("login on a state whose address moved since", func(t *testing.T) {
		u := newUser(t, "hash-1")
		ls, _ := s.LoginState(ctx, u.Email)
		moved := "moved-" + u.Email
		if _, err := s.UpdateUser(ctx, admin, u.ID, 0, func(User) (UserPatch, error) { return UserPatch{Email: &moved}, nil }); err != nil {
			t.Fatal(err)
		}
		if got, _, err := s.OpenSessionFor(ctx, ls, time.Hour); !errors.Is(err, ErrInvalidCredentials) {
			t.Fatalf("a login with the old address opened a session for %s: %v", got.Email, err)
		}
		if got := sessionsOf(t, c, s.table, u.ID); got != 0 {
			t.Fatalf("%d sessions, want 0", got)
		}
	})

	t.Run("logins never exceed MaxSessions", func(t *testing.T) {
		u := newUser(t, "hash-1")
		for i := 0; i < 2*MaxSessions+3; i++ {
			ls, err := s.LoginState(ctx, u.Email)
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := s.OpenSessionFor(ctx, ls, time.Hour); err != nil {
				t.Fatalf("login %d: %v", i, err)
			}
			if got := sessionsOf(t, c, s.table, u.ID); got > MaxSessions {
				t.Fatalf("after login %d: %d sessions, want at most %d", i, got, MaxSessions)
			}
		}
		if got := sessionsOf(t, c, s.table, u.ID); got != MaxSessions {
			t.Fatalf("%d sessions, want %d", got, MaxSessions)
		}
		// Logouts leave the recorded count high, never too low.
		st, err := s.loadSessions(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, ss := range st.sessions[:3] {
			if err := s.CloseSession(ctx, u.ID, ss.ID); err != nil {
				t.Fatal(err)
			}
		}
		for i := 0; i < 5; i++ {
			ls, _ := s.LoginState(ctx, u.Email)
			if _, _, err := s.OpenSessionFor(ctx, ls, time.Hour); err != nil {
				t.Fatal(err)
			}
			if got := sessionsOf(t, c, s.table, u.ID); got > MaxSessions {
				t.Fatalf("after logouts and login %d: %d sessions", i, got)
			}
		}
	})

	t.Run("own password change after the password changed since", func(t *testing.T) {
		u := newUser(t, "hash-1")
		ps, err := s.PasswordState(ctx, u.ID)
		if err != nil || ps.Hash != "hash-1" {
			t.Fatalf("PasswordState: %+v, %v", ps, err)
		}
		if err := s.SetPassword(ctx, admin, u.ID, "hash-2", "", func(User) error { return nil }); err != nil {
			t.Fatal(err)
		}
		self := &Caller{P: auth.Principal{Type: auth.KindUser, ID: u.ID, Role: auth.Viewer}, Roles: auth.ManagerRoles(routes.Self)}
		refused := problem.New(400, "invalid_request", "not the current password")
		var asked string
		err = s.ChangePassword(ctx, self, u.ID, ps, "hash-3", "", func(current string) error { asked = current; return refused })
		if !errors.Is(err, refused) || asked != "hash-2" {
			t.Fatalf("ChangePassword: %v (asked about %q), want the recheck of hash-2 to refuse", err, asked)
		}
		if h, _ := s.PasswordHash(ctx, u.ID); h != "hash-2" {
			t.Fatalf("hash %q, want hash-2", h)
		}
		if err := s.ChangePassword(ctx, self, u.ID, ps, "hash-3", "", func(string) error { return nil }); err != nil {
			t.Fatal(err)
		}
		if h, _ := s.PasswordHash(ctx, u.ID); h != "hash-3" {
			t.Fatalf("hash %q, want hash-3", h)
		}
	})

	t.Run("send outcome recorded after a resend", func(t *testing.T) {
		inv, _, err := s.CreateInvitation(ctx, admin, NewInvitation{Email: "sent@example.com", Role: "viewer", Days: 7, InvitedBy: Ref{Type: "user", ID: root.ID}, PerHour: 100})
		if err != nil {
			t.Fatal(err)
		}
		rs, _, err := s.ResendInvitation(ctx, admin, inv.ID, 7, 100)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.RecordSend(ctx, rs, true, nil, nil); err != nil {
			t.Fatal(err)
		}
		// The create's outcome arrives last: inv is two versions old.
		got, err := s.RecordSend(ctx, inv, false, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		stored, _ := s.GetInvitation(ctx, inv.ID)
		if got.SendCount != 1 || got.EmailStatus != EmailFailed || stored.SendCount != 1 || stored.EmailStatus != EmailFailed || stored.ExpiresAt != rs.ExpiresAt {
			t.Fatalf("answered %+v, stored %+v", got, stored)
		}
	})
}

func TestSessionBound(t *testing.T) {
	for _, tc := range []struct {
		name                      string
		tokenRev, count, countRev int64
		want                      int64
	}{
		{"new user", 0, -1, -1, 0},
		{"no count: tokenRev", 7, -1, -1, 7},
		{"count at the current tokenRev", 25, 3, 25, 3},
		{"sessions may have been made since the count", 27, 3, 25, 5},
		{"never above tokenRev", 4, 9, 4, 4},
		{"count from a later tokenRev than the item's: ignored", 5, 1, 9, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := sessionBound(tc.tokenRev, tc.count, tc.countRev); got != tc.want {
				t.Errorf("sessionBound(%d, %d, %d) = %d, want %d", tc.tokenRev, tc.count, tc.countRev, got, tc.want)
			}
		})
	}
}
