package store

// Seeding writes many users, workspaces and memberships straight into the
// table with BatchWriteItem, as the items the API itself would store (the
// same builders as CreateUser and CreateWorkspace), for benchmarks and load
// tests. It checks nothing: no email uniqueness, no caller, no audit event.
// Use it only on a table made for the purpose.

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// seedBatch is BatchWriteItem's limit on items per request.
const seedBatch = 25

// Seeded is what a seeding call wrote.
type Seeded struct {
	Users []User // in the order given
	Items int    // items written
}

// SeedUsers writes active users (their item, its three listing copies, its
// search entries and its email guard) in batches of 25, concurrency batches
// at a time, then adds them to the counters in one update. Emails must be
// distinct and not yet in the table: nothing is checked.
func (s *Store) SeedUsers(ctx context.Context, users []NewUser, concurrency int) (Seeded, error) {
	now := s.now()
	out := Seeded{Users: make([]User, len(users))}
	counts := map[string]int64{}
	var supers int64
	var items []map[string]types.AttributeValue
	for i, in := range users {
		it := s.newUserItem(in, now)
		for _, c := range it.copies() {
			items = append(items, marshal(c))
		}
		for _, si := range it.searchItems() {
			items = append(items, marshal(si))
		}
		items = append(items, emailGuard(it.Email, it.ID))
		counts[userCounter(it.Role, it.Status)]++
		if it.isActiveSuper() {
			supers++
		}
		out.Users[i] = it.user()
	}
	if err := s.batchPut(ctx, items, concurrency); err != nil {
		return Seeded{}, err
	}
	out.Items = len(items)
	if err := s.seedCounts(ctx, counts); err != nil {
		return Seeded{}, err
	}
	if supers > 0 {
		if _, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: &s.table, Key: key(pkCounters, skSuperAdmins),
			UpdateExpression:          aws.String("ADD #active :n"),
			ExpressionAttributeNames:  map[string]string{"#active": "active"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":n": num(supers)},
		}); err != nil {
			return Seeded{}, fail(err)
		}
	}
	return out, nil
}

// SeedMember is one membership of a seeded workspace.
type SeedMember struct {
	UserID, Role string
}

// SeedWorkspace is a workspace to seed; its first member should be an owner.
type SeedWorkspace struct {
	Name, Description string
	CreatedBy         Ref
	Members           []SeedMember
}

// SeedWorkspaces writes workspaces with their search entries and memberships
// (both copies of each) in batches, adds each member's membership to its
// user item (one UpdateItem per membership, the user must exist) and the
// totals to the counters.
func (s *Store) SeedWorkspaces(ctx context.Context, workspaces []SeedWorkspace, concurrency int) ([]Workspace, int, error) {
	now := s.now()
	out := make([]Workspace, len(workspaces))
	var items []map[string]types.AttributeValue
	perUser := map[string]int64{}
	var memberships int64
	for i, in := range workspaces {
		w := workspaceItem{ID: newID(), Name: in.Name, Description: in.Description, MemberCount: int64(len(in.Members)),
			CreatedAt: stamp(now), UpdatedAt: stamp(now), CreatedByType: in.CreatedBy.Type, CreatedByID: in.CreatedBy.ID, Version: 1}
		w.PK, w.SK, w.LP, w.SC = wsPK(w.ID), skWorkspace, lpWorkspaces, w.CreatedAt+"#"+w.ID
		for _, m := range in.Members {
			if m.Role == WorkspaceOwner {
				w.OwnerCount++
			}
			var t tx
			s.putMembership(&t, memberItem{WorkspaceID: w.ID, UserID: m.UserID, Role: m.Role, AddedAt: stamp(now)}, "", nil, nil)
			for _, ti := range t.items {
				items = append(items, ti.Put.Item)
			}
			perUser[m.UserID]++
			memberships++
		}
		items = append(items, marshal(w))
		for _, si := range workspaceSearch(w) {
			items = append(items, si)
		}
		out[i] = w.workspace()
	}
	if err := s.batchPut(ctx, items, concurrency); err != nil {
		return nil, 0, err
	}
	ids := make([]string, 0, len(perUser))
	for id := range perUser {
		ids = append(ids, id)
	}
	err := parallel(ctx, len(ids), concurrency, func(ctx context.Context, i int) error {
		_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: &s.table, Key: key(userPK(ids[i]), skUser),
			UpdateExpression:          aws.String("ADD #wsCount :n"),
			ConditionExpression:       aws.String("attribute_exists(PK)"),
			ExpressionAttributeNames:  map[string]string{"#wsCount": "wsCount"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":n": num(perUser[ids[i]])},
		})
		if err != nil {
			return fmt.Errorf("member %s: %w", ids[i], err)
		}
		return nil
	})
	if err != nil {
		return nil, 0, fail(err)
	}
	if err := s.seedCounts(ctx, map[string]int64{counterWorkspaces: int64(len(workspaces)), counterMemberships: memberships}); err != nil {
		return nil, 0, err
	}
	return out, len(items), nil
}

// seedCounts adds deltas to one counter shard.
func (s *Store) seedCounts(ctx context.Context, counts map[string]int64) error {
	t := tx{counts: counts}
	s.flushCounts(&t)
	for _, it := range t.items {
		u := it.Update
		if _, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: u.TableName, Key: u.Key, UpdateExpression: u.UpdateExpression,
			ExpressionAttributeNames: u.ExpressionAttributeNames, ExpressionAttributeValues: u.ExpressionAttributeValues,
		}); err != nil {
			return fail(err)
		}
	}
	return nil
}

// batchPut writes items with BatchWriteItem, 25 a request and concurrency
// requests at a time, retrying unprocessed items.
func (s *Store) batchPut(ctx context.Context, items []map[string]types.AttributeValue, concurrency int) error {
	n := (len(items) + seedBatch - 1) / seedBatch
	err := parallel(ctx, n, concurrency, func(ctx context.Context, i int) error {
		chunk := items[i*seedBatch : min(len(items), (i+1)*seedBatch)]
		reqs := make([]types.WriteRequest, len(chunk))
		for j, it := range chunk {
			reqs[j] = types.WriteRequest{PutRequest: &types.PutRequest{Item: it}}
		}
		req := map[string][]types.WriteRequest{s.table: reqs}
		for attempt := 0; len(req) > 0; attempt++ {
			if attempt > 10 {
				return errors.New("batch write left unprocessed items")
			}
			if attempt > 0 {
				if err := sleep(ctx, time.Duration(10<<min(attempt, 5))*time.Millisecond); err != nil {
					return err
				}
			}
			out, err := s.db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: req})
			if err != nil {
				return err
			}
			req = out.UnprocessedItems
		}
		return nil
	})
	return fail(err)
}

// parallel runs fn for 0..n-1 on at most workers goroutines and returns the
// first error (the others are cancelled).
func parallel(ctx context.Context, n, workers int, fn func(context.Context, int) error) error {
	if workers < 1 {
		workers = 1
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(workers, max(n, 1)) {
		wg.Go(func() {
			for i := range next {
				if err := fn(ctx, i); err != nil {
					cancel(err)
				}
			}
		})
	}
	for i := 0; i < n; i++ {
		select {
		case next <- i:
			continue
		case <-ctx.Done():
		}
		break
	}
	close(next)
	wg.Wait()
	return context.Cause(ctx)
}
