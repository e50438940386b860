//go:build tools

package chatwork

// The generator's version is pinned by this import through go.mod; it is
// never compiled into a build. See generate.go.
import _ "github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen"
