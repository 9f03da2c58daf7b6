package httpapi_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/usherhq/usher/pkg/store"
	"github.com/usherhq/usher/pkg/testenv"
)

// TestConsistencyCheckFindsDamage damages a table behind the API's back and
// expects the checker (run after every integration test) to notice.
func TestConsistencyCheckFindsDamage(t *testing.T) {
	t.Parallel()
	table := testenv.NewTable(t)
	st := store.New(testenv.Client(), table, "x")
	ctx := context.Background()
	u, err := st.CreateUser(ctx, nil, store.NewUser{Email: "damaged@example.com", Name: "Damaged", Role: "viewer"})
	if err != nil {
		t.Fatal(err)
	}
	if problems, _ := st.Check(ctx, testenv.Client()); len(problems) != 0 {
		t.Fatalf("a sound table: %v", problems)
	}
	s := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
	if _, err := testenv.Client().DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &table,
		Key: map[string]types.AttributeValue{"PK": s("USER#" + u.ID), "SK": s("LIST#ROLE")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := testenv.Client().DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &table,
		Key: map[string]types.AttributeValue{"PK": s("EMAIL#damaged@example.com"), "SK": s("EMAIL")}}); err != nil {
		t.Fatal(err)
	}
	problems, err := st.Check(ctx, testenv.Client())
	if err != nil {
		t.Fatal(err)
	}
	joined := strings.Join(problems, "\n")
	if !strings.Contains(joined, "LIST#ROLE missing") || !strings.Contains(joined, "no email guard") {
		t.Fatalf("the checker missed the damage:\n%s", joined)
	}
}
