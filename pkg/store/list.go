package store

import (
	"context"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/usherhq/usher/pkg/validate"
)

// queryPage runs one page of a query (limit+1 items, so that the last page
// says so with a null cursor) and converts the items. With a filter, DynamoDB
// may stop early: then the page is short and the cursor continues where the
// read stopped.
func queryPage[I, T any](ctx context.Context, s *Store, in *dynamodb.QueryInput, scope string, limit int, keyAttrs []string, conv func(I) T) (Page[T], error) {
	in.TableName = &s.table
	in.Limit = aws.Int32(int32(limit + 1))
	page := Page[T]{Items: []T{}}
	out, err := s.db.Query(ctx, in)
	if err != nil {
		return page, fail(err)
	}
	for i, item := range out.Items {
		if i == limit {
			page.NextCursor = s.encodeCursor(scope, pageKey(out.Items[limit-1], keyAttrs...))
			break
		}
		var it I
		if err := attributevalue.UnmarshalMap(item, &it); err != nil {
			return page, fail(err)
		}
		page.Items = append(page.Items, conv(it))
	}
	if page.NextCursor == nil && len(out.LastEvaluatedKey) > 0 && in.FilterExpression != nil {
		page.NextCursor = s.encodeCursor(scope, pageKey(out.LastEvaluatedKey, keyAttrs...))
	}
	return page, nil
}

// UserQuery selects a page of users.
type UserQuery struct {
	Q, Role, Status string
	Sort            string // createdAt, email or name
	Desc            bool
	Limit           int
	Cursor          string
}

var sortIndex = map[string]struct{ index, attr string }{
	"createdAt": {indexByCreated, attrSC},
	"email":     {indexByEmail, attrSE},
	"name":      {indexByName, attrSN},
}

// ListUsers returns one page of users. Each filter combination has its own
// list partition, so a page costs the same whatever the table's size; the
// exact total comes from the counters, read at the same time.
func (s *Store) ListUsers(ctx context.Context, q UserQuery) (Page[User], error) {
	if q.Q != "" {
		return s.searchUsers(ctx, q)
	}
	lp := lpUsers
	switch {
	case q.Role != "" && q.Status != "":
		lp = lpRS(q.Role, q.Status)
	case q.Role != "":
		lp = lpRole(q.Role)
	case q.Status != "":
		lp = lpStatus(q.Status)
	}
	ix := sortIndex[q.Sort]
	scope := "users|" + lp + "|" + q.Sort + "|" + map[bool]string{true: "desc", false: "asc"}[q.Desc]
	keyAttrs := []string{attrPK, attrSK, attrLP, ix.attr}
	start, err := s.decodeCursor(scope, q.Cursor, keyAttrs...)
	if err != nil {
		return Page[User]{}, err
	}
	return withTotal(func() (Page[User], error) {
		return queryPage(ctx, s, &dynamodb.QueryInput{
			IndexName: aws.String(ix.index), ScanIndexForward: aws.Bool(!q.Desc), ExclusiveStartKey: start,
			KeyConditionExpression:    aws.String("LP = :lp"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":lp": str(lp)},
		}, scope, q.Limit, keyAttrs, func(it userItem) User { return it.user() })
	}, func() (int64, error) {
		c, err := s.Counters(ctx)
		return c.Users(q.Role, q.Status), err
	})
}

// withTotal runs a page query and the count of its exact total at the same
// time: one round trip of latency for both.
func withTotal[T any](query func() (Page[T], error), count func() (int64, error)) (Page[T], error) {
	var total int64
	var countErr error
	wait := alongside(func() { total, countErr = count() })
	page, err := query()
	wait()
	if err != nil {
		return page, err
	}
	if countErr != nil {
		return page, countErr
	}
	page.Total = &total
	return page, nil
}

// searchBudget bounds the search entries one request reads; a page that
// runs out of budget is returned short, with a cursor to continue.
const searchBudget = 1000

// searchUsers matches every query word against word prefixes. It reads the
// index partition of the most selective word's first runes in email order,
// filters exactly, then fetches the matching users in one batch.
func (s *Store) searchUsers(ctx context.Context, q UserQuery) (Page[User], error) {
	words := validate.QueryWords(q.Q)
	prefix := queryPrefix(words)
	lp := lpPrefix(prefix)
	scope := "search|" + strings.Join(words, " ") + "|" + q.Role + "|" + q.Status + "|" + map[bool]string{true: "desc", false: "asc"}[q.Desc]
	keyAttrs := []string{attrPK, attrSK, attrLP, attrSE}
	start, err := s.decodeCursor(scope, q.Cursor, keyAttrs...)
	if err != nil {
		return Page[User]{}, err
	}
	ids, last, more, err := s.searchIDs(ctx, lp, words, !q.Desc, q.Limit, start)
	if err != nil {
		return Page[User]{}, err
	}
	users, err := s.pageUsers(ctx, ids)
	if err != nil {
		return Page[User]{}, err
	}
	page := Page[User]{Items: []User{}}
	for _, id := range ids {
		u, ok := users[id]
		if !ok || (q.Role != "" && u.Role != q.Role) || (q.Status != "" && u.Status != q.Status) {
			continue // deleted since indexed, or filtered out
		}
		page.Items = append(page.Items, u)
	}
	if more && last != nil {
		page.NextCursor = s.encodeCursor(scope, pageKey(last, keyAttrs...))
	}
	return page, nil
}

// searchIDs reads one prefix partition of the search index (ByEmail: users by
// email, workspaces by name) and keeps the ids whose words match every query
// word, up to limit and at most searchBudget entries. last is the last entry
// read and more says whether the partition goes on after it.
//
// It reads no more entries than the page needs: the first query asks for one
// more than the matches still missing (so that a full page knows whether the
// partition goes on), and only when entries turn out not to match does a
// further query ask for as many as the match rate seen so far predicts.
func (s *Store) searchIDs(ctx context.Context, lp string, words []string, asc bool, limit int, start map[string]types.AttributeValue) (ids []string, last map[string]types.AttributeValue, more bool, err error) {
	read := 0
	more = true
	for more && len(ids) < limit && read < searchBudget {
		out, err := s.db.Query(ctx, &dynamodb.QueryInput{
			TableName: &s.table, IndexName: aws.String(indexByEmail), ScanIndexForward: aws.Bool(asc),
			ExclusiveStartKey: start, Limit: aws.Int32(int32(searchChunk(limit-len(ids), read, len(ids)))),
			KeyConditionExpression:    aws.String("LP = :lp"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":lp": str(lp)},
		})
		if err != nil {
			return nil, nil, false, fail(err)
		}
		more = len(out.LastEvaluatedKey) > 0
		for i, item := range out.Items {
			var si searchItem
			if err := attributevalue.UnmarshalMap(item, &si); err != nil {
				return nil, nil, false, fail(err)
			}
			read++
			last = item
			if validate.MatchesAll(words, si.Words) {
				ids = append(ids, si.ID)
				if len(ids) == limit {
					more = more || i < len(out.Items)-1
					break
				}
			}
		}
		start = out.LastEvaluatedKey
	}
	return ids, last, more, nil
}

// searchChunk is how many entries the next read of a search asks for: one
// more than the matches still needed while every entry read so far matched,
// else as many as the match rate seen so far predicts (with a margin), and
// never past searchBudget.
func searchChunk(need, read, matched int) int {
	n := need + 1
	switch {
	case read == 0 || matched == read:
	case matched == 0:
		n = max(n, 4*read)
	default:
		n = need*read/matched + need/4 + 1
	}
	return max(1, min(n, searchBudget-read))
}

// queryPrefix is the search partition a query is read from: the first runes
// of its longest (most selective) word.
func queryPrefix(words []string) string {
	best := words[0]
	for _, w := range words[1:] {
		if utf8.RuneCountInString(w) > utf8.RuneCountInString(best) {
			best = w
		}
	}
	if r := []rune(best); len(r) > searchPrefixLen {
		return string(r[:searchPrefixLen])
	}
	return best
}

// batchUsers reads users by id, strongly consistent.
func (s *Store) batchUsers(ctx context.Context, ids []string) (map[string]User, error) {
	return s.usersByID(ctx, ids, s.batchGet)
}

// pageUsers reads the users of a list page by id (see batchGetLax).
func (s *Store) pageUsers(ctx context.Context, ids []string) (map[string]User, error) {
	return s.usersByID(ctx, ids, s.batchGetLax)
}

func (s *Store) usersByID(ctx context.Context, ids []string, read func(context.Context, []map[string]types.AttributeValue) (map[string]map[string]types.AttributeValue, error)) (map[string]User, error) {
	keys := make([]map[string]types.AttributeValue, len(ids))
	for i, id := range ids {
		keys[i] = key(userPK(id), skUser)
	}
	found, err := read(ctx, keys)
	if err != nil {
		return nil, err
	}
	users := map[string]User{}
	for _, item := range found {
		var it userItem
		if err := attributevalue.UnmarshalMap(item, &it); err != nil {
			return nil, fail(err)
		}
		users[it.ID] = it.user()
	}
	return users, nil
}

var errBatchIncomplete = errors.New("batch get left unprocessed keys")

// Counters are the exact counts kept beside every change.
type Counters struct {
	values      map[string]int64
	SuperAdmins int64
}

// Counters reads every counter shard in one query.
func (s *Store) Counters(ctx context.Context) (Counters, error) {
	c := Counters{values: map[string]int64{}}
	out, err := s.db.Query(ctx, &dynamodb.QueryInput{
		TableName: &s.table, ConsistentRead: aws.Bool(true),
		KeyConditionExpression:    aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(pkCounters)},
	})
	if err != nil {
		return c, fail(err)
	}
	for _, item := range out.Items {
		var m map[string]any
		if err := attributevalue.UnmarshalMap(item, &m); err != nil {
			return c, fail(err)
		}
		for k, v := range m {
			n, ok := v.(float64)
			if !ok {
				continue
			}
			if item[attrSK].(*types.AttributeValueMemberS).Value == skSuperAdmins {
				c.SuperAdmins = int64(n)
				continue
			}
			c.values[k] += int64(n)
		}
	}
	return c, nil
}

// Users counts users with the role and status ("" = any).
func (c Counters) Users(role, status string) int64 {
	var n int64
	for k, v := range c.values {
		r, st, ok := splitUserCounter(k)
		if ok && (role == "" || r == role) && (status == "" || st == status) {
			n += v
		}
	}
	return n
}

func splitUserCounter(k string) (role, status string, ok bool) {
	rest, found := strings.CutPrefix(k, "u_")
	if !found {
		return "", "", false
	}
	i := strings.LastIndexByte(rest, '_')
	if i < 0 {
		return "", "", false
	}
	return rest[:i], rest[i+1:], true
}
