package store

import (
	"context"
	"math/rand/v2"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

const (
	pkSettings = "SETTINGS"
	skSettings = "OVERRIDES"
)

// SettingsOverrides returns the stored overrides (a JSON object; nil when
// there are none) and their version.
func (s *Store) SettingsOverrides(ctx context.Context) ([]byte, int64, error) {
	item, err := s.getItem(ctx, pkSettings, skSettings)
	if err != nil || item == nil {
		return nil, 0, err
	}
	var it struct {
		JSON    string `dynamodbav:"json"`
		Version int64  `dynamodbav:"version"`
	}
	if err := attributevalue.UnmarshalMap(item, &it); err != nil {
		return nil, 0, fail(err)
	}
	return []byte(it.JSON), it.Version, nil
}

// SaveSettings stores new overrides if they are still at version (0: none).
func (s *Store) SaveSettings(ctx context.Context, c *Caller, overrides []byte, version int64, fields []string) error {
	var t tx
	now := s.now()
	s.guard(&t, c, now)
	cond, vals := "attribute_not_exists(PK)", map[string]types.AttributeValue{}
	if version > 0 {
		cond, vals[":v"] = "#version = :v", num(version)
	}
	s.put(&t, map[string]types.AttributeValue{attrPK: str(pkSettings), attrSK: str(skSettings), "json": str(string(overrides)),
		"version": num(version + 1), "updatedAt": str(stamp(now))}, cond, vals, errSettingsRace)
	s.audit(ctx, &t, actorOf(c), "settings.updated", Ref{Type: "settings", ID: "instance"}, map[string]any{"fields": fields})
	return s.commit(ctx, &t)
}

// ResetSettings drops every override.
func (s *Store) ResetSettings(ctx context.Context, c *Caller) error {
	var t tx
	s.guard(&t, c, s.now())
	s.del(&t, pkSettings, skSettings, "", nil, nil)
	s.audit(ctx, &t, actorOf(c), "settings.reset", Ref{Type: "settings", ID: "instance"}, nil)
	return s.commit(ctx, &t)
}

var errSettingsRace = problemConflict("settings_changed", "the settings changed while you were changing them; read them again")

// requestShards spread the per-day request counter over several items.
const requestShards = 8

// CountRequest adds one API request to today's counter. It is a single
// UpdateItem that callers run alongside their own work.
func (s *Store) CountRequest(ctx context.Context) error {
	now := s.now()
	sk := now.Format("2006-01-02") + "#" + strconv.Itoa(rand.IntN(requestShards))
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.table, Key: key("REQUESTS", sk),
		UpdateExpression:          aws.String("ADD #n :one SET #ttl = :ttl"),
		ExpressionAttributeNames:  map[string]string{"#n": "n", "#ttl": "ttl"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":one": num(1), ":ttl": num(now.AddDate(0, 0, 9).Unix())},
	})
	return fail(err)
}

// DayCount is the number of API requests on one UTC day.
type DayCount struct {
	Date  string `json:"date"`
	Count int64  `json:"count"`
}

// RequestsLastDays returns today's count and the counts of the last n days
// (oldest first, today last) in one query.
func (s *Store) RequestsLastDays(ctx context.Context, n int) ([]DayCount, error) {
	now := s.now()
	from := now.AddDate(0, 0, -(n - 1)).Format("2006-01-02")
	out, err := s.db.Query(ctx, &dynamodb.QueryInput{
		TableName: &s.table, ConsistentRead: aws.Bool(true),
		KeyConditionExpression: aws.String("PK = :pk AND SK BETWEEN :from AND :to"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str("REQUESTS"), ":from": str(from), ":to": str(now.Format("2006-01-02") + "#~")},
	})
	if err != nil {
		return nil, fail(err)
	}
	byDay := map[string]int64{}
	for _, item := range out.Items {
		var it struct {
			SK string `dynamodbav:"SK"`
			N  int64  `dynamodbav:"n"`
		}
		if err := attributevalue.UnmarshalMap(item, &it); err == nil && len(it.SK) >= 10 {
			byDay[it.SK[:10]] += it.N
		}
	}
	days := make([]DayCount, n)
	for i := range days {
		d := now.AddDate(0, 0, -(n - 1 - i)).Format("2006-01-02")
		days[i] = DayCount{Date: d, Count: byDay[d]}
	}
	return days, nil
}

// Insights are the dashboard's exact counts.
type Insights struct {
	Users struct {
		Total       int64            `json:"total"`
		Active      int64            `json:"active"`
		Deactivated int64            `json:"deactivated"`
		ByRole      map[string]int64 `json:"byRole"`
	} `json:"users"`
	Workspaces struct {
		Total int64 `json:"total"`
	} `json:"workspaces"`
	Memberships struct {
		Total int64 `json:"total"`
	} `json:"memberships"`
	Invitations struct {
		Pending int64 `json:"pending"`
	} `json:"invitations"`
	AdminTokens struct {
		Active int64 `json:"active"`
	} `json:"adminTokens"`
	APIKeys struct {
		Active int64 `json:"active"`
	} `json:"apiKeys"`
	Requests struct {
		Today     int64      `json:"today"`
		Last7Days []DayCount `json:"last7Days"`
	} `json:"requests"`
}

// Insights reads every count in two queries issued together: the counter
// shards and the last seven days of requests. Neither grows with the data.
func (s *Store) Insights(ctx context.Context, roles []string) (Insights, error) {
	var in Insights
	var days []DayCount
	var dayErr error
	wait := alongside(func() { days, dayErr = s.RequestsLastDays(ctx, 7) })
	c, err := s.Counters(ctx)
	wait()
	if err != nil {
		return in, err
	}
	if dayErr != nil {
		return in, dayErr
	}
	in.Users.ByRole = map[string]int64{}
	for _, r := range roles {
		in.Users.ByRole[r] = c.Users(r, "")
	}
	in.Users.Total, in.Users.Active, in.Users.Deactivated = c.Users("", ""), c.Users("", StatusActive), c.Users("", StatusDeactivated)
	in.Workspaces.Total = c.values[counterWorkspaces]
	in.Memberships.Total = c.values[counterMemberships]
	in.Invitations.Pending = c.values[inviteCounter(InvitePending)]
	in.AdminTokens.Active = c.values[counterAdminTokens]
	in.APIKeys.Active = c.values[counterAPIKeys]
	in.Requests.Last7Days = days
	in.Requests.Today = days[len(days)-1].Count
	return in, nil
}
