//go:build tools

package chatwork

// The generator's version is pinned by this import through go.mod; it is
// never compiled into a build. See generate.go. `go mod tidy` counts it in
// any module that imports this package, whatever the build tag, so no
// package meant for users imports this one (checked by
// TestUserModulePullsNoTooling in internal/checks).
import _ "github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen"
