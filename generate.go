// Package chatwork holds the OpenAPI description of the Chatwork API v2 that
// the rest of this module is built from.
//
// The description lives in openapi.yaml at the root of the module. It is
// embedded here so that other packages (the conformance validator, the fake
// server, your own tools) read exactly the document that generated package
// gen. Most programs want package api instead:
//
//	import "github.com/chatwork-go/chatwork/api"
package chatwork

import _ "embed"

//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config gen/oapi-codegen.yaml openapi.yaml
//go:generate go run ./internal/specjson -in openapi.yaml -out openapi.json

// OpenAPI is openapi.yaml, the OpenAPI 3.0.3 description of the Chatwork API
// v2 that package gen is generated from.
//
//go:embed openapi.yaml
var OpenAPI []byte
