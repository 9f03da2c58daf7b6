// Package tabledef reads the DynamoDB table definition out of the SAM
// template, so local development and tests create exactly the table that is
// deployed: template.yaml is the only definition of the table.
//
//	in, err := tabledef.Table(usher.Template, "usher-local")
//	_, err = client.CreateTable(ctx, in)
package tabledef

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/usherhq/usher/pkg/samtemplate/cfnyaml"
)

// ResourceID is the logical ID of the table in the template.
const ResourceID = "Table"

// Table returns the CreateTableInput of the template's table, named name.
// Only the schema is taken from the template: attribute definitions, key
// schema, secondary indexes and on-demand billing. Deployment settings such as
// deletion protection, encryption and point-in-time recovery are ignored, as
// are fields whose value is a CloudFormation intrinsic function.
func Table(template []byte, name string) (*dynamodb.CreateTableInput, error) {
	if name == "" {
		return nil, fmt.Errorf("tabledef: empty table name")
	}
	props, err := tableProperties(template)
	if err != nil {
		return nil, err
	}

	in := &dynamodb.CreateTableInput{
		TableName:   aws.String(name),
		BillingMode: types.BillingModePayPerRequest,
	}
	if bm, ok := props["BillingMode"].(string); ok && bm != string(types.BillingModePayPerRequest) {
		return nil, fmt.Errorf("tabledef: BillingMode %s is not supported, only PAY_PER_REQUEST", bm)
	}

	attrs, err := list(props, "AttributeDefinitions", true)
	if err != nil {
		return nil, err
	}
	for i, a := range attrs {
		where := fmt.Sprintf("AttributeDefinitions[%d]", i)
		n, err := str(a, where, "AttributeName")
		if err != nil {
			return nil, err
		}
		t, err := str(a, where, "AttributeType")
		if err != nil {
			return nil, err
		}
		in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{
			AttributeName: aws.String(n),
			AttributeType: types.ScalarAttributeType(t),
		})
	}

	if in.KeySchema, err = keySchema(props["KeySchema"], "KeySchema"); err != nil {
		return nil, err
	}

	gsis, err := list(props, "GlobalSecondaryIndexes", false)
	if err != nil {
		return nil, err
	}
	for i, g := range gsis {
		where := fmt.Sprintf("GlobalSecondaryIndexes[%d]", i)
		n, ks, p, err := index(g, where)
		if err != nil {
			return nil, err
		}
		in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, types.GlobalSecondaryIndex{
			IndexName: aws.String(n), KeySchema: ks, Projection: p,
		})
	}

	lsis, err := list(props, "LocalSecondaryIndexes", false)
	if err != nil {
		return nil, err
	}
	for i, l := range lsis {
		where := fmt.Sprintf("LocalSecondaryIndexes[%d]", i)
		n, ks, p, err := index(l, where)
		if err != nil {
			return nil, err
		}
		in.LocalSecondaryIndexes = append(in.LocalSecondaryIndexes, types.LocalSecondaryIndex{
			IndexName: aws.String(n), KeySchema: ks, Projection: p,
		})
	}
	return in, nil
}

// TTLAttribute returns the time-to-live attribute of the template's table.
func TTLAttribute(template []byte) (string, error) {
	props, err := tableProperties(template)
	if err != nil {
		return "", err
	}
	spec, ok := props["TimeToLiveSpecification"].(map[string]any)
	if !ok {
		return "", fmt.Errorf("tabledef: %s has no TimeToLiveSpecification", ResourceID)
	}
	if spec["Enabled"] != true {
		return "", fmt.Errorf("tabledef: %s TimeToLiveSpecification is not enabled", ResourceID)
	}
	return str(spec, "TimeToLiveSpecification", "AttributeName")
}

func tableProperties(template []byte) (map[string]any, error) {
	doc, err := cfnyaml.Unmarshal(template)
	if err != nil {
		return nil, fmt.Errorf("tabledef: %w", err)
	}
	resources, _ := doc["Resources"].(map[string]any)
	res, ok := resources[ResourceID].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("tabledef: template has no %s resource", ResourceID)
	}
	if res["Type"] != "AWS::DynamoDB::Table" {
		return nil, fmt.Errorf("tabledef: %s is a %v, not an AWS::DynamoDB::Table", ResourceID, res["Type"])
	}
	props, ok := res["Properties"].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("tabledef: %s has no Properties", ResourceID)
	}
	return props, nil
}

func index(v any, where string) (string, []types.KeySchemaElement, *types.Projection, error) {
	idx, ok := v.(map[string]any)
	if !ok {
		return "", nil, nil, fmt.Errorf("tabledef: %s is not a mapping", where)
	}
	name, err := str(idx, where, "IndexName")
	if err != nil {
		return "", nil, nil, err
	}
	ks, err := keySchema(idx["KeySchema"], where+".KeySchema")
	if err != nil {
		return "", nil, nil, err
	}
	pm, ok := idx["Projection"].(map[string]any)
	if !ok {
		return "", nil, nil, fmt.Errorf("tabledef: %s has no Projection", where)
	}
	pt, err := str(pm, where+".Projection", "ProjectionType")
	if err != nil {
		return "", nil, nil, err
	}
	p := &types.Projection{ProjectionType: types.ProjectionType(pt)}
	if nk, ok := pm["NonKeyAttributes"].([]any); ok {
		for i, a := range nk {
			s, ok := a.(string)
			if !ok {
				return "", nil, nil, fmt.Errorf("tabledef: %s.Projection.NonKeyAttributes[%d] is not a string", where, i)
			}
			p.NonKeyAttributes = append(p.NonKeyAttributes, s)
		}
	}
	return name, ks, p, nil
}

func keySchema(v any, where string) ([]types.KeySchemaElement, error) {
	elems, ok := v.([]any)
	if !ok || len(elems) == 0 {
		return nil, fmt.Errorf("tabledef: %s is missing or not a list", where)
	}
	var ks []types.KeySchemaElement
	for i, e := range elems {
		w := fmt.Sprintf("%s[%d]", where, i)
		n, err := str(e, w, "AttributeName")
		if err != nil {
			return nil, err
		}
		t, err := str(e, w, "KeyType")
		if err != nil {
			return nil, err
		}
		ks = append(ks, types.KeySchemaElement{AttributeName: aws.String(n), KeyType: types.KeyType(t)})
	}
	return ks, nil
}

func list(props map[string]any, key string, required bool) ([]any, error) {
	v, ok := props[key]
	if !ok {
		if required {
			return nil, fmt.Errorf("tabledef: %s has no %s", ResourceID, key)
		}
		return nil, nil
	}
	l, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("tabledef: %s.%s is not a literal list", ResourceID, key)
	}
	return l, nil
}

func str(v any, where, key string) (string, error) {
	mm, ok := v.(map[string]any)
	if !ok {
		return "", fmt.Errorf("tabledef: %s is not a mapping", where)
	}
	s, ok := mm[key].(string)
	if !ok || s == "" {
		return "", fmt.Errorf("tabledef: %s.%s is missing or not a literal string", where, key)
	}
	return s, nil
}
