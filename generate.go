// Package chatwork holds the OpenAPI description of the Chatwork API v2 that
// the rest of this module is built from, and the go:generate lines that
// build it.
//
// The description lives in openapi.yaml at the root of the module and is
// embedded here for this repository's own tests and tools. Packages meant
// to be imported do not import this one: its tools.go pins the code
// generator, and `go mod tidy` would add the generator and its
// dependencies to the go.mod of every module that reached it. Package
// conformance validates against the same document (embedded by the
// generator in internal/embeddedspec). Most programs want package api:
//
//	import "github.com/chatwork-go/chatwork/api"
package chatwork

import _ "embed"

//go:generate go run ./internal/codesamples -in openapi.yaml -out openapi.yaml
//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config gen/oapi-codegen.yaml openapi.yaml
//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config internal/embeddedspec/oapi-codegen.yaml openapi.yaml
//go:generate go run ./internal/resultrules -spec openapi.yaml -gen gen/chatwork.gen.go -out api/result_rules.gen.go
//go:generate go run ./internal/specjson -in openapi.yaml -out openapi.json
//go:generate go run ./internal/budgetgen -in openapi.yaml -out internal/budgets/budgets.gen.go
//go:generate go run ./internal/oauthgen -in openapi.yaml -out api/oauth/spec.gen.go
//go:generate go run ./internal/limitgen -in openapi.yaml -out internal/limits/limits.gen.go

// OpenAPI is openapi.yaml, the OpenAPI 3.0.3 description of the Chatwork API
// v2 that package gen is generated from.
//
//go:embed openapi.yaml
var OpenAPI []byte
