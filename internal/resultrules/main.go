// Command resultrules writes the checks that package api runs on every
// result it decodes, from the schemas of openapi.yaml, so that the client
// relies on exactly what the spec says a successful answer holds.
//
// It is run by `go generate` from the module root (see generate.go), after
// package gen is generated:
//
//	go run ./internal/resultrules [-spec openapi.yaml] [-gen gen/chatwork.gen.go] [-out api/result_rules.gen.go]
//
// For each operation's 2xx JSON answer it writes a check of the Go type that
// package gen made of its schema: for a single object, every bound of its
// properties, nested objects and the items of its arrays (minimum and
// maximum of integers; minLength, maxLength and pattern of strings; minItems
// of arrays; the value of a boolean with a one-value enum); for a list, its
// minItems only (the items of a list are returned as the server sent them,
// so that one odd item cannot hide the others). String enums are not
// checked: Chatwork may add values. The Go field of each property is found
// in gen's source by its json tag, so the checks follow gen's names.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"maps"
	"math"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/chatwork-go/chatwork/internal/genfile"
	"github.com/chatwork-go/chatwork/internal/schemarand"
)

func main() {
	spec := flag.String("spec", "openapi.yaml", "the OpenAPI document")
	genFile := flag.String("gen", "gen/chatwork.gen.go", "the Go source package gen was generated into")
	out := flag.String("out", "api/result_rules.gen.go", "the Go file to write")
	flag.Parse()
	if err := run(*spec, *genFile, *out); err != nil {
		fmt.Fprintln(os.Stderr, "resultrules:", err)
		os.Exit(1)
	}
}

func run(specPath, genPath, out string) error {
	doc, err := openapi3.NewLoader().LoadFromFile(specPath)
	if err != nil {
		return err
	}
	if err := doc.Validate(context.Background()); err != nil {
		return fmt.Errorf("%s: %w", specPath, err)
	}
	src, err := os.ReadFile(genPath)
	if err != nil {
		return err
	}
	structs, err := goStructs(src)
	if err != nil {
		return fmt.Errorf("%s: %w", genPath, err)
	}
	code, err := generate(doc, structs)
	if err != nil {
		return err
	}
	return genfile.Write(out, code)
}

// A goField is a field of a generated struct.
type goField struct {
	name    string // AccountID
	pointer bool   // *string: an optional property
}

// goStructs reads the struct types of gen's source: type name, then json
// name, then field.
func goStructs(src []byte) (map[string]map[string]goField, error) {
	f, err := parser.ParseFile(token.NewFileSet(), "gen.go", src, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	out := map[string]map[string]goField{}
	for _, decl := range f.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.TYPE {
			continue
		}
		for _, spec := range gd.Specs {
			ts := spec.(*ast.TypeSpec)
			st, ok := ts.Type.(*ast.StructType)
			if !ok {
				continue
			}
			fields := map[string]goField{}
			for _, fl := range st.Fields.List {
				if fl.Tag == nil || len(fl.Names) != 1 {
					continue
				}
				tag, err := strconv.Unquote(fl.Tag.Value)
				if err != nil {
					return nil, err
				}
				js, _, _ := strings.Cut(reflect.StructTag(tag).Get("json"), ",")
				if js == "" || js == "-" {
					continue
				}
				_, ptr := fl.Type.(*ast.StarExpr)
				fields[js] = goField{name: fl.Names[0].Name, pointer: ptr}
			}
			out[ts.Name.Name] = fields
		}
	}
	return out, nil
}

// A generator accumulates the check functions of the object types.
type generator struct {
	doc      *openapi3.T
	structs  map[string]map[string]goField
	funcs    map[string]string // Go type: its function's code, "" while being written
	patterns []string          // in order of first use: pattern0, pattern1...
	used     map[string]bool   // the helpers and imports the code uses
}

// helpers are the functions that say why a value breaks its schema; only
// those the checks use are written.
var helpers = map[string]string{
	"tooSmall": `func tooSmall(field string, v, minimum int64) string {
	if v == 0 {
		return fmt.Sprintf("%s is missing or 0; the spec's minimum is %d", field, minimum)
	}
	return fmt.Sprintf("%s is %d, below the spec's minimum of %d", field, v, minimum)
}`,
	"tooLarge": `func tooLarge(field string, v, maximum int64) string {
	return fmt.Sprintf("%s is %d, above the spec's maximum of %d", field, v, maximum)
}`,
	"tooShort": `func tooShort(field, v string, minimum int) string {
	if v == "" {
		return field + " is missing or empty"
	}
	return fmt.Sprintf("%s %q is shorter than the spec's %d characters", field, truncate(strings.ToValidUTF8(v, "?")), minimum)
}`,
	"tooLong": `func tooLong(field, v string, maximum int) string {
	return fmt.Sprintf("%s %q is longer than the spec's %d characters", field, truncate(strings.ToValidUTF8(v, "?")), maximum)
}`,
	"mismatch": `func mismatch(field, v string, re *regexp.Regexp) string {
	return fmt.Sprintf("%s %q does not match the spec's pattern %s", field, truncate(strings.ToValidUTF8(v, "?")), re)
}`,
	"notConst": `func notConst(field string, v bool) string {
	return fmt.Sprintf("%s is %t; the spec allows only %t", field, v, !v)
}`,
	"tooFew": `func tooFew(field string, n, minimum int) string {
	if n == 0 {
		return field + " is missing or empty"
	}
	return fmt.Sprintf("%s has %d items, fewer than the spec's %d", field, n, minimum)
}`,
}

// helperImports are the packages each helper needs, besides gen.
var helperImports = map[string][]string{
	"tooSmall": {"fmt"}, "tooLarge": {"fmt"}, "tooShort": {"fmt", "strings"}, "tooLong": {"fmt", "strings"},
	"mismatch": {"fmt", "strings", "regexp"}, "notConst": {"fmt"}, "tooFew": {"fmt"},
}

// generate returns the Go file.
func generate(doc *openapi3.T, structs map[string]map[string]goField) ([]byte, error) {
	g := &generator{doc: doc, structs: structs, funcs: map[string]string{}, used: map[string]bool{}}
	singles := map[string]bool{} // Go types of single results
	lists := map[string]uint64{} // Go item types of lists: minItems
	var errs []error
	for _, path := range doc.Paths.InMatchingOrder() {
		for _, op := range doc.Paths.Value(path).Operations() {
			for status, r := range op.Responses.Map() {
				if len(status) != 3 || status[0] != '2' {
					continue
				}
				mt := r.Value.Content.Get("application/json")
				if mt == nil || mt.Schema == nil {
					continue
				}
				s := mt.Schema
				if s.Value.Type.Is(openapi3.TypeArray) {
					item, err := g.typeOf(s.Value.Items)
					if err != nil {
						errs = append(errs, fmt.Errorf("%s %s: items: %w", op.OperationID, status, err))
						continue
					}
					if n, seen := lists[item]; seen && n != s.Value.MinItems {
						errs = append(errs, fmt.Errorf("%s %s: lists of %s with minItems %d and %d: api cannot tell them apart", op.OperationID, status, item, n, s.Value.MinItems))
					}
					lists[item] = s.Value.MinItems
					continue
				}
				typ, err := g.typeOf(s)
				if err != nil {
					errs = append(errs, fmt.Errorf("%s %s: %w", op.OperationID, status, err))
					continue
				}
				if _, err := g.object(typ, s.Value); err != nil {
					errs = append(errs, fmt.Errorf("%s %s: %w", op.OperationID, status, err))
					continue
				}
				singles[typ] = true
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}

	var cases bytes.Buffer
	for _, typ := range slices.Sorted(maps.Keys(singles)) {
		if g.funcs[typ] != "-" {
			fmt.Fprintf(&cases, "\tcase *gen.%s:\n\t\treturn check%s(v)\n", typ, typ)
		}
	}
	for _, typ := range slices.Sorted(maps.Keys(lists)) {
		if n := lists[typ]; n > 0 {
			g.used["tooFew"] = true
			fmt.Fprintf(&cases, "\tcase *[]gen.%s:\n\t\tif len(*v) < %d {\n\t\t\treturn tooFew(\"the list\", len(*v), %d)\n\t\t}\n", typ, n, n)
		}
	}
	imports := []string{"github.com/chatwork-go/chatwork/gen"}
	for name := range g.used {
		if deps, ok := helperImports[name]; ok {
			imports = append(imports, deps...)
		} else {
			imports = append(imports, name) // a package the checks use
		}
	}
	if len(g.patterns) > 0 {
		imports = append(imports, "regexp")
	}
	// The standard library first, then the module's own packages.
	slices.SortFunc(imports, func(a, b string) int {
		return strings.Compare(strconv.FormatBool(strings.Contains(a, "."))+a, strconv.FormatBool(strings.Contains(b, "."))+b)
	})
	imports = slices.Compact(imports)

	var b bytes.Buffer
	b.WriteString("// Code generated by go run ./internal/resultrules from openapi.yaml. DO NOT EDIT.\n\npackage api\n\nimport (\n")
	for i, imp := range imports {
		if i > 0 && strings.Contains(imp, ".") && !strings.Contains(imports[i-1], ".") {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "\t%q\n", imp)
	}
	b.WriteString(`)

// missing returns what a decoded result breaks of the schema openapi.yaml
// gives its operation's answer ("" when nothing): a bound of a property, of
// a nested object or of an item of a single result; the minItems of a list.
// v is a pointer to a type of package gen (or an alias of one in package
// api); other types have no rules.
func missing(v any) string {
	switch v := v.(type) {
`)
	b.Write(cases.Bytes())
	b.WriteString("\t}\n\treturn \"\"\n}\n")
	for i, p := range g.patterns {
		fmt.Fprintf(&b, "\n// pattern%d is %s.\nvar pattern%d = regexp.MustCompile(%s)\n", i, p, i, strconv.Quote(p))
	}
	for _, typ := range slices.Sorted(maps.Keys(g.funcs)) {
		if code := g.funcs[typ]; code != "-" {
			b.WriteString("\n" + code)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(g.used)) {
		if code, ok := helpers[name]; ok {
			b.WriteString("\n" + code + "\n")
		}
	}
	return format.Source(b.Bytes())
}

// typeOf returns the name of the gen type of a component schema: its
// x-go-name, else its name.
func (g *generator) typeOf(ref *openapi3.SchemaRef) (string, error) {
	name, ok := strings.CutPrefix(ref.Ref, "#/components/schemas/")
	if !ok {
		return "", errors.New("the schema is not a component: api has no named type for it")
	}
	if n, ok := ref.Value.Extensions["x-go-name"].(string); ok {
		name = n
	}
	if g.structs[name] == nil {
		return "", fmt.Errorf("package gen has no struct %s", name)
	}
	return name, nil
}

// object writes the check function of a gen struct type made from the
// object schema s, and reports whether it checks anything.
func (g *generator) object(typ string, s *openapi3.Schema) (bool, error) {
	if code, done := g.funcs[typ]; done {
		if code == "" {
			return false, fmt.Errorf("%s contains itself: its checks would recurse forever", typ)
		}
		return code != "-", nil
	}
	g.funcs[typ] = "" // being written: a cycle would recurse forever
	props := schemarand.Flatten(s).Properties
	fields := g.structs[typ]
	var body strings.Builder
	for _, name := range slices.Sorted(maps.Keys(props)) {
		f, ok := fields[name]
		if !ok {
			return false, fmt.Errorf("%s: gen.%s has no field for property %q", typ, typ, name)
		}
		value := "v." + f.name
		var inner strings.Builder
		if err := g.value(&inner, value, f.pointer, strconv.Quote(name), props[name]); err != nil {
			return false, fmt.Errorf("%s.%s: %w", typ, name, err)
		}
		if inner.Len() == 0 {
			continue
		}
		if f.pointer {
			fmt.Fprintf(&body, "\tif %s != nil {\n%s\t}\n", value, inner.String())
		} else {
			body.WriteString(inner.String())
		}
	}
	if body.Len() == 0 {
		g.funcs[typ] = "-"
		return false, nil
	}
	g.funcs[typ] = fmt.Sprintf("// check%s checks a gen.%s against the schema %s.\nfunc check%s(v *gen.%s) string {\n%s\treturn \"\"\n}\n",
		typ, typ, schemaName(s, typ), typ, typ, body.String())
	return true, nil
}

func schemaName(s *openapi3.Schema, typ string) string {
	if n, ok := s.Extensions["x-go-name"].(string); ok && n == typ {
		return "of " + typ + " (x-go-name)"
	}
	return typ
}

// unwrap returns the schema of a property: the one member of an allOf
// that only adds a description, else the property's own.
func unwrap(ref *openapi3.SchemaRef) *openapi3.SchemaRef {
	if s := ref.Value; len(s.AllOf) == 1 && len(s.Properties) == 0 && s.Type == nil {
		return s.AllOf[0]
	}
	return ref
}

// value writes the checks of one value: expr is its Go expression (a
// pointer when ptr), name a Go expression of its name in the reasons.
func (g *generator) value(w *strings.Builder, expr string, ptr bool, name string, ref *openapi3.SchemaRef) error {
	ref = unwrap(ref)
	s := schemarand.Flatten(ref.Value)
	deref := expr
	if ptr {
		deref = "*" + expr
	}
	switch {
	case s.Type.Is(openapi3.TypeInteger):
		if s.Min != nil {
			g.used["tooSmall"] = true
			fmt.Fprintf(w, "\tif int64(%s) < %s {\n\t\treturn tooSmall(%s, int64(%s), %s)\n\t}\n", deref, intLit(*s.Min), name, deref, intLit(*s.Min))
		}
		if s.Max != nil {
			g.used["tooLarge"] = true
			fmt.Fprintf(w, "\tif int64(%s) > %s {\n\t\treturn tooLarge(%s, int64(%s), %s)\n\t}\n", deref, intLit(*s.Max), name, deref, intLit(*s.Max))
		}
	case s.Type.Is(openapi3.TypeString):
		if s.MinLength > 0 {
			g.used["tooShort"], g.used["unicode/utf8"] = true, true
			fmt.Fprintf(w, "\tif n := utf8.RuneCountInString(string(%s)); n < %d {\n\t\treturn tooShort(%s, string(%s), %d)\n\t}\n", deref, s.MinLength, name, deref, s.MinLength)
		}
		if s.MaxLength != nil {
			g.used["tooLong"], g.used["unicode/utf8"] = true, true
			fmt.Fprintf(w, "\tif n := utf8.RuneCountInString(string(%s)); n > %d {\n\t\treturn tooLong(%s, string(%s), %d)\n\t}\n", deref, *s.MaxLength, name, deref, *s.MaxLength)
		}
		if s.Pattern != "" {
			g.used["mismatch"] = true
			i := slices.Index(g.patterns, s.Pattern)
			if i < 0 {
				i = len(g.patterns)
				g.patterns = append(g.patterns, s.Pattern)
			}
			fmt.Fprintf(w, "\tif !pattern%d.MatchString(string(%s)) {\n\t\treturn mismatch(%s, string(%s), pattern%d)\n\t}\n", i, deref, name, deref, i)
		}
	case s.Type.Is(openapi3.TypeBoolean):
		if len(s.Enum) == 1 {
			want, ok := s.Enum[0].(bool)
			if !ok {
				return fmt.Errorf("enum %v of a boolean", s.Enum)
			}
			g.used["notConst"] = true
			not := "!"
			if !want {
				not = ""
			}
			fmt.Fprintf(w, "\tif %sbool(%s) {\n\t\treturn notConst(%s, bool(%s))\n\t}\n", not, deref, name, deref)
		}
	case s.Type.Is(openapi3.TypeArray):
		if s.MinItems > 0 {
			g.used["tooFew"] = true
			fmt.Fprintf(w, "\tif len(%s) < %d {\n\t\treturn tooFew(%s, len(%s), %d)\n\t}\n", deref, s.MinItems, name, deref, s.MinItems)
		}
		var inner strings.Builder
		if err := g.value(&inner, "x", false, name+`+"["+strconv.Itoa(i)+"]"`, s.Items); err != nil {
			return fmt.Errorf("items: %w", err)
		}
		if inner.Len() > 0 {
			g.used["strconv"] = true
			fmt.Fprintf(w, "\tfor i, x := range %s {\n%s\t}\n", deref, inner.String())
		}
	case s.Type.Is(openapi3.TypeObject) || len(s.AllOf) > 0:
		typ, err := g.typeOf(ref)
		if err != nil {
			return err
		}
		checks, err := g.object(typ, s)
		if err != nil {
			return err
		}
		if checks {
			addr := "&" + expr
			if ptr {
				addr = expr
			}
			fmt.Fprintf(w, "\tif r := check%s(%s); r != \"\" {\n\t\treturn %s + \".\" + r\n\t}\n", typ, addr, name)
		}
	}
	return nil
}

// intLit writes a bound of an integer schema as a Go integer constant.
func intLit(f float64) string {
	if f != math.Trunc(f) || math.Abs(f) > 1<<62 {
		panic(fmt.Sprintf("resultrules: integer bound %v is not an int64", f))
	}
	return strconv.FormatInt(int64(f), 10)
}
