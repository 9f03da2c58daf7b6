package tabledef

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	usher "github.com/usherhq/usher"
)

func TestTableFromTemplate(t *testing.T) {
	in, err := Table(usher.Template, "usher-test")
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(in.TableName) != "usher-test" {
		t.Errorf("TableName = %q", aws.ToString(in.TableName))
	}
	if in.BillingMode != types.BillingModePayPerRequest {
		t.Errorf("BillingMode = %q", in.BillingMode)
	}

	attrs := map[string]types.ScalarAttributeType{}
	for _, a := range in.AttributeDefinitions {
		attrs[aws.ToString(a.AttributeName)] = a.AttributeType
	}
	for _, n := range []string{"PK", "SK", "LP", "SC", "SE", "SN", "EX"} {
		if attrs[n] != types.ScalarAttributeTypeS {
			t.Errorf("attribute %s: type %q, want S", n, attrs[n])
		}
	}
	if len(attrs) != 7 {
		t.Errorf("%d attribute definitions, want 7", len(attrs))
	}

	if got := keys(in.KeySchema); got != "PK HASH, SK RANGE" {
		t.Errorf("KeySchema = %s", got)
	}

	want := map[string]string{
		"ByCreated": "LP HASH, SC RANGE",
		"ByEmail":   "LP HASH, SE RANGE",
		"ByName":    "LP HASH, SN RANGE",
		"ByExpiry":  "LP HASH, EX RANGE",
	}
	if len(in.GlobalSecondaryIndexes) != len(want) {
		t.Errorf("%d GSIs, want %d", len(in.GlobalSecondaryIndexes), len(want))
	}
	for _, g := range in.GlobalSecondaryIndexes {
		n := aws.ToString(g.IndexName)
		if got := keys(g.KeySchema); got != want[n] {
			t.Errorf("GSI %s: keys %q, want %q", n, got, want[n])
		}
		if g.Projection == nil || g.Projection.ProjectionType != types.ProjectionTypeAll {
			t.Errorf("GSI %s: projection %+v, want ALL", n, g.Projection)
		}
		if g.ProvisionedThroughput != nil {
			t.Errorf("GSI %s: provisioned throughput set on an on-demand table", n)
		}
		delete(want, n)
	}
	for n := range want {
		t.Errorf("GSI %s missing", n)
	}

	// Every key attribute is defined and every definition is used by a key.
	used := map[string]bool{}
	for _, k := range in.KeySchema {
		used[aws.ToString(k.AttributeName)] = true
	}
	for _, g := range in.GlobalSecondaryIndexes {
		for _, k := range g.KeySchema {
			used[aws.ToString(k.AttributeName)] = true
		}
	}
	for n := range used {
		if _, ok := attrs[n]; !ok {
			t.Errorf("key attribute %s has no definition", n)
		}
	}
	for n := range attrs {
		if !used[n] {
			t.Errorf("attribute %s is defined but not a key (CreateTable rejects that)", n)
		}
	}
}

func TestTTLAttribute(t *testing.T) {
	got, err := TTLAttribute(usher.Template)
	if err != nil {
		t.Fatal(err)
	}
	if got != "ttl" {
		t.Errorf("TTLAttribute = %q, want ttl", got)
	}
}

func TestTableErrors(t *testing.T) {
	for name, src := range map[string]string{
		"no table":     "Resources:\n  X:\n    Type: AWS::S3::Bucket\n",
		"wrong type":   "Resources:\n  Table:\n    Type: AWS::S3::Bucket\n    Properties: {}\n",
		"no keys":      "Resources:\n  Table:\n    Type: AWS::DynamoDB::Table\n    Properties:\n      AttributeDefinitions: []\n",
		"tagged keys":  "Resources:\n  Table:\n    Type: AWS::DynamoDB::Table\n    Properties:\n      AttributeDefinitions: []\n      KeySchema: !Ref K\n",
		"provisioned":  "Resources:\n  Table:\n    Type: AWS::DynamoDB::Table\n    Properties:\n      BillingMode: PROVISIONED\n",
		"not yaml":     "Resources: [\n",
		"no ttl field": "Resources:\n  Table:\n    Type: AWS::DynamoDB::Table\n    Properties:\n      AttributeDefinitions: [{AttributeName: PK}]\n",
	} {
		if _, err := Table([]byte(src), "t"); err == nil {
			t.Errorf("%s: Table succeeded", name)
		}
	}
	if _, err := Table(usher.Template, ""); err == nil {
		t.Error("empty name accepted")
	}
	if _, err := TTLAttribute([]byte("Resources:\n  Table:\n    Type: AWS::DynamoDB::Table\n    Properties: {}\n")); err == nil {
		t.Error("TTLAttribute without a TimeToLiveSpecification succeeded")
	}
}

func keys(ks []types.KeySchemaElement) string {
	var parts []string
	for _, k := range ks {
		parts = append(parts, aws.ToString(k.AttributeName)+" "+string(k.KeyType))
	}
	return strings.Join(parts, ", ")
}
