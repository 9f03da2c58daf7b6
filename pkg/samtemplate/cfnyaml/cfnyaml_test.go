package cfnyaml

import (
	"reflect"
	"testing"
)

func TestUnmarshalShortTags(t *testing.T) {
	src := `
Conditions:
  C: !Not [!Equals [!Join ["", !Ref L], ""]]
Base: &base
  N: 3
Resources:
  R:
    Properties:
      A: !Ref X
      B: !GetAtt Fn.Arn
      C: !Sub "arn:${AWS::Partition}:x"
      D: !If
        - C
        - {K: true}
        - !Ref AWS::NoValue
      E: !Sub
        - "${a}"
        - a: !GetAtt [T, Arn]
      F: *base
      G: "2.0"
      H: 2
`
	got, err := Unmarshal([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"Conditions": map[string]any{
			"C": map[string]any{"Fn::Not": []any{map[string]any{"Fn::Equals": []any{
				map[string]any{"Fn::Join": []any{"", map[string]any{"Ref": "L"}}}, "",
			}}}},
		},
		"Base": map[string]any{"N": 3},
		"Resources": map[string]any{"R": map[string]any{"Properties": map[string]any{
			"A": map[string]any{"Ref": "X"},
			"B": map[string]any{"Fn::GetAtt": []any{"Fn", "Arn"}},
			"C": map[string]any{"Fn::Sub": "arn:${AWS::Partition}:x"},
			"D": map[string]any{"Fn::If": []any{"C", map[string]any{"K": true}, map[string]any{"Ref": "AWS::NoValue"}}},
			"E": map[string]any{"Fn::Sub": []any{"${a}", map[string]any{"a": map[string]any{"Fn::GetAtt": []any{"T", "Arn"}}}}},
			"F": map[string]any{"N": 3},
			"G": "2.0",
			"H": 2,
		}}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %#v\nwant %#v", got, want)
	}
}

func TestUnmarshalJSON(t *testing.T) {
	got, err := Unmarshal([]byte(`{"Resources": {"T": {"Type": "X", "Properties": {"A": {"Ref": "B"}}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"Resources": map[string]any{"T": map[string]any{"Type": "X", "Properties": map[string]any{"A": map[string]any{"Ref": "B"}}}}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %#v", got)
	}
}

func TestUnmarshalErrors(t *testing.T) {
	for _, src := range []string{"- a\n- b\n", "A: !GetAtt NoDot\n", "A: [\n"} {
		if _, err := Unmarshal([]byte(src)); err == nil {
			t.Errorf("Unmarshal(%q) succeeded", src)
		}
	}
}
