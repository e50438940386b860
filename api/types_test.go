package api_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strings"
	"testing"
)

// TestAliasDocsListTheFields keeps `go doc api.Message` useful: go doc shows
// an alias of a generated type without its fields, so the doc comment of
// every exported alias of a gen struct must name each of its fields.
func TestAliasDocsListTheFields(t *testing.T) {
	fset := token.NewFileSet()
	parse := func(path string) *ast.File {
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	// The fields of every struct type of package gen.
	structs := map[string][]string{}
	ast.Inspect(parse("../gen/chatwork.gen.go"), func(n ast.Node) bool {
		ts, ok := n.(*ast.TypeSpec)
		if !ok {
			return true
		}
		if st, ok := ts.Type.(*ast.StructType); ok {
			for _, f := range st.Fields.List {
				for _, name := range f.Names {
					structs[ts.Name.Name] = append(structs[ts.Name.Name], name.Name)
				}
			}
		}
		return false
	})
	checked := 0
	for _, path := range []string{"types.go", "webhook/types.go"} {
		for _, decl := range parse(path).Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.TYPE {
				continue
			}
			for _, spec := range gd.Specs {
				ts := spec.(*ast.TypeSpec)
				sel, ok := ts.Type.(*ast.SelectorExpr)
				if !ts.Assign.IsValid() || !ok || !ts.Name.IsExported() {
					continue
				}
				fields, ok := structs[sel.Sel.Name]
				if !ok {
					continue // an enumeration, documented by its values
				}
				checked++
				doc := gd.Doc.Text()
				for _, f := range fields {
					if !strings.Contains(doc, f) {
						t.Errorf("%s: the doc comment of %s does not list field %s of gen.%s", path, ts.Name.Name, f, sel.Sel.Name)
					}
				}
			}
		}
	}
	if checked < 17 {
		t.Errorf("checked %d aliases of generated structs, want at least 17", checked)
	}
}

// TestEnumValuesExported checks that every value of every enumeration api
// re-exports is a constant of api too, under package gen's name, so that no
// caller (the CLI included) reaches into gen for a value.
func TestEnumValuesExported(t *testing.T) {
	fset := token.NewFileSet()
	parse := func(path string) *ast.File {
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	// gen's typed constants, by type: const ( RoleAdmin Role = "admin" ... ).
	values := map[string][]string{}
	for _, decl := range parse("../gen/chatwork.gen.go").Decls {
		if gd, ok := decl.(*ast.GenDecl); ok && gd.Tok == token.CONST {
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				if typ, ok := vs.Type.(*ast.Ident); ok {
					for _, n := range vs.Names {
						values[typ.Name] = append(values[typ.Name], n.Name)
					}
				}
			}
		}
	}
	// api's aliases of gen types, and its constants X = gen.Y.
	aliases, consts := map[string]bool{}, map[string]string{}
	for _, decl := range parse("types.go").Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok {
			continue
		}
		for _, spec := range gd.Specs {
			switch s := spec.(type) {
			case *ast.TypeSpec:
				if sel, ok := s.Type.(*ast.SelectorExpr); ok && s.Assign.IsValid() {
					aliases[sel.Sel.Name] = true
				}
			case *ast.ValueSpec:
				for i, n := range s.Names {
					if sel, ok := s.Values[i].(*ast.SelectorExpr); ok {
						consts[sel.Sel.Name] = n.Name
					}
				}
			}
		}
	}
	enums := 0
	for typ, names := range values {
		if !aliases[typ] {
			continue
		}
		enums++
		for _, name := range names {
			switch got, ok := consts[name]; {
			case !ok:
				t.Errorf("gen.%s (a %s) has no constant in api: export it in types.go", name, typ)
			case got != name:
				t.Errorf("api.%s = gen.%s: name it %s, as gen does", got, name, name)
			}
		}
	}
	if enums < 5 {
		t.Errorf("checked %d enumerations, want at least 5 (RoomType, Role, TaskStatus, TaskLimitType, IconPreset)", enums)
	}
}
