package store

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/usherhq/usher/pkg/validate"
)

// WorkspaceQuery selects a page of workspaces.
type WorkspaceQuery struct {
	Q, UserID string
	Limit     int
	Cursor    string
}

// ListWorkspaces pages through workspaces: all of them by creation (with the
// exact total), those whose name words start with q (by name), or one user's.
func (s *Store) ListWorkspaces(ctx context.Context, q WorkspaceQuery) (Page[Workspace], error) {
	switch {
	case q.UserID != "":
		return s.userWorkspaces(ctx, q)
	case q.Q != "":
		return s.searchWorkspaces(ctx, q)
	}
	const scope = "workspaces"
	keyAttrs := []string{attrPK, attrSK, attrLP, attrSC}
	start, err := s.decodeCursor(scope, q.Cursor, keyAttrs...)
	if err != nil {
		return Page[Workspace]{}, err
	}
	return withTotal(func() (Page[Workspace], error) {
		return queryPage(ctx, s, &dynamodb.QueryInput{
			IndexName: aws.String(indexByCreated), ExclusiveStartKey: start,
			KeyConditionExpression:    aws.String("LP = :lp"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":lp": str(lpWorkspaces)},
		}, scope, q.Limit, keyAttrs, workspaceItem.workspace)
	}, func() (int64, error) {
		c, err := s.Counters(ctx)
		return c.values[counterWorkspaces], err
	})
}

func (s *Store) searchWorkspaces(ctx context.Context, q WorkspaceQuery) (Page[Workspace], error) {
	words := validate.QueryWords(q.Q)
	prefix := queryPrefix(words)
	scope := "wssearch|" + q.Q
	keyAttrs := []string{attrPK, attrSK, attrLP, attrSE}
	start, err := s.decodeCursor(scope, q.Cursor, keyAttrs...)
	if err != nil {
		return Page[Workspace]{}, err
	}
	ids, last, more, err := s.searchIDs(ctx, "WORKSPACES#PFX#"+prefix, words, true, q.Limit, start)
	if err != nil {
		return Page[Workspace]{}, err
	}
	page, err := s.workspacesByID(ctx, ids)
	if err != nil {
		return page, err
	}
	if more && last != nil {
		page.NextCursor = s.encodeCursor(scope, pageKey(last, keyAttrs...))
	}
	return page, nil
}

// workspacesByID reads the workspaces of a list page in one batch (see
// batchGetLax), in the given order; deleted ones (whose entries may still be
// swept) are left out.
func (s *Store) workspacesByID(ctx context.Context, ids []string) (Page[Workspace], error) {
	page := Page[Workspace]{Items: []Workspace{}}
	keys := make([]map[string]types.AttributeValue, len(ids))
	for i, id := range ids {
		keys[i] = key(wsPK(id), skWorkspace)
	}
	found, err := s.batchGetLax(ctx, keys)
	if err != nil {
		return page, err
	}
	for _, id := range ids {
		if item, ok := found[wsPK(id)]; ok {
			var w workspaceItem
			if err := attributevalue.UnmarshalMap(item, &w); err != nil {
				return page, fail(err)
			}
			page.Items = append(page.Items, w.workspace())
		}
	}
	return page, nil
}

// batchGet reads items by key, strongly consistent, 100 keys per request,
// and returns them by PK.
func (s *Store) batchGet(ctx context.Context, keys []map[string]types.AttributeValue) (map[string]map[string]types.AttributeValue, error) {
	return s.batchRead(ctx, keys, true)
}

// batchGetLax reads the items of a list page by key with eventually
// consistent reads (half the cost): a page may show an item as it was a
// moment ago, as every index-backed page may. A key found missing is read
// again, strongly consistent, so that an item created a moment ago is not
// left out of the page; only an item truly gone is.
func (s *Store) batchGetLax(ctx context.Context, keys []map[string]types.AttributeValue) (map[string]map[string]types.AttributeValue, error) {
	found, err := s.batchRead(ctx, keys, false)
	if err != nil {
		return nil, err
	}
	var missing []map[string]types.AttributeValue
	for _, k := range keys {
		if _, ok := found[k[attrPK].(*types.AttributeValueMemberS).Value]; !ok {
			missing = append(missing, k)
		}
	}
	if len(missing) == 0 {
		return found, nil
	}
	again, err := s.batchRead(ctx, missing, true)
	if err != nil {
		return nil, err
	}
	for pk, item := range again {
		found[pk] = item
	}
	return found, nil
}

// batchRead reads items by key, 100 keys per request, and returns them by PK.
func (s *Store) batchRead(ctx context.Context, keys []map[string]types.AttributeValue, consistent bool) (map[string]map[string]types.AttributeValue, error) {
	found := map[string]map[string]types.AttributeValue{}
	err := s.eachByKey(ctx, keys, consistent, func(item map[string]types.AttributeValue) {
		found[item[attrPK].(*types.AttributeValueMemberS).Value] = item
	})
	return found, err
}

// getKeys reads items of any partitions by key in one BatchGetItem (per 100
// keys), strongly consistent, and returns them by itemKey.
func (s *Store) getKeys(ctx context.Context, keys []map[string]types.AttributeValue) (map[string]map[string]types.AttributeValue, error) {
	found := map[string]map[string]types.AttributeValue{}
	err := s.eachByKey(ctx, keys, true, func(item map[string]types.AttributeValue) {
		found[itemKey(item[attrPK].(*types.AttributeValueMemberS).Value, item[attrSK].(*types.AttributeValueMemberS).Value)] = item
	})
	return found, err
}

func itemKey(pk, sk string) string { return pk + "\x00" + sk }

// eachByKey reads items by key, 100 keys per request, retrying what DynamoDB
// leaves unprocessed, and hands each item found to f.
func (s *Store) eachByKey(ctx context.Context, keys []map[string]types.AttributeValue, consistent bool, f func(map[string]types.AttributeValue)) error {
	for len(keys) > 0 {
		n := min(len(keys), 100)
		req := map[string]types.KeysAndAttributes{s.table: {Keys: keys[:n], ConsistentRead: aws.Bool(consistent)}}
		keys = keys[n:]
		for attempt := 0; len(req) > 0; attempt++ {
			if attempt > 8 {
				return fail(errBatchIncomplete)
			}
			if attempt > 0 {
				if err := sleep(ctx, 20*time.Millisecond); err != nil {
					return fail(err)
				}
			}
			out, err := s.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: req})
			if err != nil {
				return fail(err)
			}
			for _, item := range out.Responses[s.table] {
				f(item)
			}
			req = out.UnprocessedKeys
		}
	}
	return nil
}

// UserMembership is one of a user's workspaces.
type UserMembership struct {
	Workspace struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"workspace"`
	Role    string `json:"role"`
	AddedAt string `json:"addedAt"`
}

// UserMemberships pages through a user's memberships, with the current
// workspace names; memberships of deleted workspaces are left out.
func (s *Store) UserMemberships(ctx context.Context, userID string, limit int, cursor string) (Page[UserMembership], error) {
	_, p, err := s.Profile(ctx, userID, limit, cursor)
	return p, err
}

// Profile reads a user and a page of their memberships: the user read goes
// out with the memberships query, so a profile costs no extra round trip.
func (s *Store) Profile(ctx context.Context, userID string, limit int, cursor string) (User, Page[UserMembership], error) {
	scope := "umem|" + userID
	start, err := s.decodeCursor(scope, cursor, attrPK, attrSK)
	if err != nil {
		return User{}, Page[UserMembership]{}, err
	}
	var u userItem
	var userErr error
	wait := alongside(func() { u, userErr = s.getUserItem(ctx, userID) })
	p, err := s.memberships(ctx, scope, userID, limit, start)
	wait()
	if userErr != nil {
		return User{}, Page[UserMembership]{}, userErr
	}
	if err != nil {
		return User{}, Page[UserMembership]{}, err
	}
	return u.user(), p, nil
}

// OwnMemberships pages through the memberships of a user known to exist
// (the caller's own), with the current workspace names; memberships of
// deleted workspaces are left out.
func (s *Store) OwnMemberships(ctx context.Context, userID string, limit int, cursor string) (Page[UserMembership], error) {
	scope := "umem|" + userID
	start, err := s.decodeCursor(scope, cursor, attrPK, attrSK)
	if err != nil {
		return Page[UserMembership]{}, err
	}
	return s.memberships(ctx, scope, userID, limit, start)
}

func (s *Store) memberships(ctx context.Context, scope, userID string, limit int, start map[string]types.AttributeValue) (Page[UserMembership], error) {
	mp, err := queryPage(ctx, s, &dynamodb.QueryInput{
		ConsistentRead: aws.Bool(true), ExclusiveStartKey: start,
		KeyConditionExpression:    aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(umemPK(userID))},
	}, scope, limit, []string{attrPK, attrSK}, func(m memberItem) memberItem { return m })
	if err != nil {
		return Page[UserMembership]{}, err
	}
	ids := make([]string, len(mp.Items))
	for i, m := range mp.Items {
		ids[i] = m.WorkspaceID
	}
	ws, err := s.workspacesByID(ctx, ids)
	if err != nil {
		return Page[UserMembership]{}, err
	}
	names := map[string]string{}
	for _, w := range ws.Items {
		names[w.ID] = w.Name
	}
	out := Page[UserMembership]{Items: []UserMembership{}, NextCursor: mp.NextCursor}
	for _, m := range mp.Items {
		name, ok := names[m.WorkspaceID]
		if !ok {
			continue
		}
		var um UserMembership
		um.Workspace.ID, um.Workspace.Name, um.Role, um.AddedAt = m.WorkspaceID, name, m.Role, m.AddedAt
		out.Items = append(out.Items, um)
	}
	return out, nil
}

// Member is one member of a workspace.
type Member struct {
	User struct {
		ID    string `json:"id"`
		Email string `json:"email"`
		Name  string `json:"name"`
	} `json:"user"`
	Role    string `json:"role"`
	AddedAt string `json:"addedAt"`
}

// ListMembers pages through a workspace's members (optionally of one role)
// with the users' current email and name.
func (s *Store) ListMembers(ctx context.Context, wsID, role string, limit int, cursor string) (Page[Member], error) {
	mp, err := s.memberPage(ctx, wsID, role, limit, cursor)
	if err != nil {
		return Page[Member]{}, err
	}
	users, err := s.pageUsers(ctx, memberIDs(mp.Items))
	if err != nil {
		return Page[Member]{}, err
	}
	out := Page[Member]{Items: []Member{}, NextCursor: mp.NextCursor}
	for _, m := range mp.Items {
		u, ok := users[m.UserID]
		if !ok {
			continue // the user is being deleted
		}
		var mm Member
		mm.User.ID, mm.User.Email, mm.User.Name, mm.Role, mm.AddedAt = u.ID, u.Email, u.Name, m.Role, m.AddedAt
		out.Items = append(out.Items, mm)
	}
	return out, nil
}

// WorkspaceUsers pages through a workspace's members as users.
func (s *Store) WorkspaceUsers(ctx context.Context, wsID string, limit int, cursor string) (Page[User], error) {
	mp, err := s.memberPage(ctx, wsID, "", limit, cursor)
	if err != nil {
		return Page[User]{}, err
	}
	users, err := s.pageUsers(ctx, memberIDs(mp.Items))
	if err != nil {
		return Page[User]{}, err
	}
	out := Page[User]{Items: []User{}, NextCursor: mp.NextCursor}
	for _, m := range mp.Items {
		if u, ok := users[m.UserID]; ok {
			out.Items = append(out.Items, u)
		}
	}
	return out, nil
}

func memberIDs(ms []memberItem) []string {
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.UserID
	}
	return ids
}

// memberPage reads one page of membership items; the workspace read goes
// out at the same time, so that a missing workspace is not_found.
func (s *Store) memberPage(ctx context.Context, wsID, role string, limit int, cursor string) (Page[memberItem], error) {
	scope := "members|" + wsID + "|" + role
	in := &dynamodb.QueryInput{ConsistentRead: aws.Bool(true),
		KeyConditionExpression:    aws.String("PK = :pk AND begins_with(SK, :m)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(wsPK(wsID)), ":m": str(skMember)},
	}
	keyAttrs := []string{attrPK, attrSK}
	if role != "" {
		in = &dynamodb.QueryInput{IndexName: aws.String(indexByCreated),
			KeyConditionExpression:    aws.String("LP = :lp"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":lp": str("WSROLE#" + wsID + "#" + role)},
		}
		keyAttrs = []string{attrPK, attrSK, attrLP, attrSC}
	}
	start, err := s.decodeCursor(scope, cursor, keyAttrs...)
	if err != nil {
		return Page[memberItem]{}, err
	}
	in.ExclusiveStartKey = start
	var wsErr error
	wait := alongside(func() { _, wsErr = s.getWorkspaceItem(ctx, wsID) })
	p, err := queryPage(ctx, s, in, scope, limit, keyAttrs, func(m memberItem) memberItem { return m })
	wait()
	if wsErr != nil {
		return p, wsErr
	}
	return p, err
}

// userWorkspaces pages through the workspaces a user belongs to.
func (s *Store) userWorkspaces(ctx context.Context, q WorkspaceQuery) (Page[Workspace], error) {
	scope := "umemws|" + q.UserID
	start, err := s.decodeCursor(scope, q.Cursor, attrPK, attrSK)
	if err != nil {
		return Page[Workspace]{}, err
	}
	mp, err := queryPage(ctx, s, &dynamodb.QueryInput{
		ConsistentRead: aws.Bool(true), ExclusiveStartKey: start,
		KeyConditionExpression:    aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(umemPK(q.UserID))},
	}, scope, q.Limit, []string{attrPK, attrSK}, func(m memberItem) string { return m.WorkspaceID })
	if err != nil {
		return Page[Workspace]{}, err
	}
	page, err := s.workspacesByID(ctx, mp.Items)
	page.NextCursor = mp.NextCursor
	return page, err
}

// MemberOf reads one membership with the user's current email and name.
func (s *Store) MemberOf(ctx context.Context, wsID, userID string) (Member, error) {
	m, err := s.memberItem(ctx, wsID, userID)
	if err != nil {
		return Member{}, err
	}
	u, err := s.GetUser(ctx, userID)
	if err != nil {
		return Member{}, err
	}
	var out Member
	out.User.ID, out.User.Email, out.User.Name, out.Role, out.AddedAt = u.ID, u.Email, u.Name, m.Role, m.AddedAt
	return out, nil
}

// WorkspaceNames returns the names of the workspaces that exist, by id.
func (s *Store) WorkspaceNames(ctx context.Context, ids []string) (map[string]string, error) {
	ws, err := s.workspacesByIDRaw(ctx, ids)
	names := map[string]string{}
	for id, w := range ws {
		names[id] = w.Name
	}
	return names, err
}
