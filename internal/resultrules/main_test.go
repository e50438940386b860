package main

import (
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// specWith returns an OpenAPI document whose operations answer the given
// schemas (YAML, under paths./pN.get.responses.200), with components.
func specWith(t *testing.T, answers []string, components string) *openapi3.T {
	t.Helper()
	var b strings.Builder
	b.WriteString("openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n")
	for i, a := range answers {
		b.WriteString("  /p" + string(rune('a'+i)) + ":\n    get:\n      operationId: op" + string(rune('a'+i)) +
			"\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: " + a + "\n")
	}
	b.WriteString("components:\n  schemas:\n" + components)
	doc, err := openapi3.NewLoader().LoadFromData([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

const thingSchemas = `
    ID: {type: integer, format: int64, minimum: 1}
    Thing:
      type: object
      required: [id, tags, sub]
      properties:
        id: {$ref: '#/components/schemas/ID'}
        owner: {allOf: [{$ref: '#/components/schemas/ID'}], description: the owner}
        tags: {type: array, minItems: 1, items: {type: string, pattern: '^[a-z]+$'}}
        sub: {$ref: '#/components/schemas/Sub'}
        note: {type: string, maxLength: 3}
        kind: {type: string, enum: [a, b]}
    Sub:
      type: object
      properties:
        n: {type: integer, maximum: 5}
        on: {type: boolean, enum: [true]}
`

const thingGo = `package gen
type Thing struct {
	ID    ID       ` + "`json:\"id\"`" + `
	Owner *ID      ` + "`json:\"owner,omitempty\"`" + `
	Tags  []string ` + "`json:\"tags\"`" + `
	Sub   Sub      ` + "`json:\"sub\"`" + `
	Note  *string  ` + "`json:\"note,omitempty\"`" + `
	Kind  *string  ` + "`json:\"kind,omitempty\"`" + `
}
type Sub struct {
	N  *int ` + "`json:\"n,omitempty\"`" + `
	On *bool ` + "`json:\"on,omitempty\"`" + `
}
`

func TestGenerate(t *testing.T) {
	structs, err := goStructs([]byte(thingGo))
	if err != nil {
		t.Fatal(err)
	}
	doc := specWith(t, []string{`{$ref: '#/components/schemas/Thing'}`, `{type: array, minItems: 2, items: {$ref: '#/components/schemas/Thing'}}`}, thingSchemas)
	code, err := generate(doc, structs)
	if err != nil {
		t.Fatal(err)
	}
	src := string(code)
	for _, want := range []string{
		"case *gen.Thing:\n\t\treturn checkThing(v)",
		"case *[]gen.Thing:\n\t\tif len(*v) < 2 {",
		`if int64(v.ID) < 1 {`,
		"if v.Owner != nil {\n\t\tif int64(*v.Owner) < 1 {",
		`return tooFew("tags", len(v.Tags), 1)`,
		`if !pattern0.MatchString(string(x)) {`,
		`return "sub" + "." + r`,
		`if int64(*v.N) > 5 {`,
		`if !bool(*v.On) {`,
		`if n := utf8.RuneCountInString(string(*v.Note)); n > 3 {`,
		"\t\"fmt\"\n\t\"regexp\"\n\t\"strconv\"\n\t\"strings\"\n\t\"unicode/utf8\"\n\n\t\"github.com/chatwork-go/chatwork/gen\"\n",
	} {
		if !strings.Contains(src, want) {
			t.Errorf("the code lacks %q:\n%s", want, src)
		}
	}
	// String enums stay open: Chatwork may add values.
	if strings.Contains(src, "Kind") {
		t.Errorf("a string enum is checked:\n%s", src)
	}
}

func TestGenerateRefuses(t *testing.T) {
	structs, err := goStructs([]byte(thingGo))
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		answers []string
		want    string
	}{
		"lists told apart only by minItems": {[]string{
			`{type: array, minItems: 1, items: {$ref: '#/components/schemas/Thing'}}`,
			`{type: array, items: {$ref: '#/components/schemas/Thing'}}`,
		}, "cannot tell them apart"},
		"an inline schema":               {[]string{`{type: object, properties: {x: {type: integer}}}`}, "not a component"},
		"a schema without a gen struct":  {[]string{`{$ref: '#/components/schemas/Other'}`}, "no struct Other"},
		"a property without a gen field": {[]string{`{$ref: '#/components/schemas/Sub2'}`}, `no field for property "m"`},
	} {
		doc := specWith(t, tc.answers, thingSchemas+`
    Other: {type: object}
    Sub2: {type: object, properties: {m: {type: integer, minimum: 0}}}
`)
		s := structs
		if name == "a property without a gen field" {
			s = map[string]map[string]goField{"Sub2": {}}
		}
		if _, err := generate(doc, s); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want one saying %q", name, err, tc.want)
		}
	}
}
