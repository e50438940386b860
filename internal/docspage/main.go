// Command docspage writes the API reference as one self-contained HTML
// page: openapi.json and the Redoc renderer (redoc.standalone.js from the
// redoc npm package, fetched and checked by `make docs`) are both inside
// it, so the page renders with no network at all.
//
// It is run by `make docs` from the module root:
//
//	go run ./internal/docspage -redoc PATH -redoc-license PATH -redoc-version V -redoc-sha256 HEX \
//		[-spec openapi.json] [-out docs/index.html]
//
// The SHA-256 is pinned in the Makefile next to the version, so the page
// is built only from the bundle that was reviewed.
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"html/template"
	"os"
	"path/filepath"
)

func main() {
	redoc := flag.String("redoc", "", "path of redoc.standalone.js")
	sum := flag.String("redoc-sha256", "", "expected SHA-256 of redoc.standalone.js, in hex")
	version := flag.String("redoc-version", "", "the redoc npm package version the bundle comes from")
	license := flag.String("redoc-license", "", "path of the redoc package's LICENSE, carried in the page with the bundle")
	spec := flag.String("spec", "openapi.json", "the OpenAPI document, as JSON")
	out := flag.String("out", "docs/index.html", "the page to write")
	flag.Parse()
	if err := run(bundleFiles{js: *redoc, license: *license, version: *version, sha256: *sum}, *spec, *out); err != nil {
		fmt.Fprintln(os.Stderr, "docspage:", err)
		os.Exit(1)
	}
}

// bundleFiles names the Redoc bundle and what vouches for it.
type bundleFiles struct {
	js, license     string // paths
	version, sha256 string
}

func run(redoc bundleFiles, specPath, out string) error {
	if redoc.js == "" || redoc.license == "" || redoc.version == "" || redoc.sha256 == "" {
		return errors.New("-redoc, -redoc-license, -redoc-version and -redoc-sha256 are required")
	}
	bundle, err := os.ReadFile(redoc.js)
	if err != nil {
		return err
	}
	if got := sha256.Sum256(bundle); hex.EncodeToString(got[:]) != redoc.sha256 {
		return fmt.Errorf("%s has SHA-256 %x, want %s: not the pinned Redoc bundle", redoc.js, got, redoc.sha256)
	}
	license, err := os.ReadFile(redoc.license)
	if err != nil {
		return err
	}
	specJSON, err := os.ReadFile(specPath)
	if err != nil {
		return err
	}
	page, err := render(renderer{js: bundle, license: string(license), version: redoc.version}, specJSON)
	if err != nil {
		return fmt.Errorf("%s: %w", specPath, err)
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o750); err != nil {
		return err
	}
	return os.WriteFile(out, page, 0o644)
}

// options are Redoc's.
var options = map[string]any{
	// Show every response's example and the first 2 levels of schemas.
	"expandResponses":       "200,201",
	"jsonSampleExpandLevel": 2,
	// The request samples open on the code samples (curl first): the body
	// example, form-encoded, is in the curl command and under the schema.
	"hideRequestPayloadSample": true,
}

// page is the reference. The Content-Security-Policy allows nothing from
// the network: the page works the same with no connection, and a fetch
// that Redoc would make anyway (its attribution logo comes from a CDN) is
// refused by the browser before it starts. The renderer is carried as
// base64 text and run from a script element built at load time, so no
// byte sequence in it ("<!--", "</script") can confuse the HTML parser.
var page = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; img-src data:; font-src data:; worker-src blob:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="internal/docspage with Redoc {{.RedocVersion}}">
<title>{{.Title}}</title>
<style>body { margin: 0; padding: 0; }</style>
</head>
<body>
<noscript>This reference is drawn by Redoc, which needs JavaScript.</noscript>
<div id="redoc"></div>
<template id="third-party-licenses"><pre>Redoc {{.RedocVersion}} (https://github.com/Redocly/redoc), carried in this page:

{{.RedocLicense}}</pre></template>
<script id="redoc-bundle" type="application/octet-stream">{{.Renderer}}</script>
<script>
(function () {
  var b64 = document.getElementById("redoc-bundle").textContent;
  var bin = atob(b64);
  var bytes = new Uint8Array(bin.length);
  for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  var s = document.createElement("script");
  s.text = new TextDecoder().decode(bytes);
  document.head.appendChild(s);
  Redoc.init({{.Spec}}, {{.Options}}, document.getElementById("redoc"));
})();
</script>
</body>
</html>
`))

// A renderer is the Redoc bundle with its version and licence.
type renderer struct {
	js      []byte
	license string
	version string
}

// render returns the page for the Redoc bundle and the spec. The spec
// goes in as its JSON text, so keys keep the document's order (Redoc lists
// paths in that order) and 19-digit example IDs stay exact.
func render(redoc renderer, specJSON []byte) ([]byte, error) {
	var info struct {
		Info struct {
			Title string `json:"title"`
		} `json:"info"`
	}
	if err := json.Unmarshal(specJSON, &info); err != nil {
		return nil, err
	}
	title := "API reference"
	if info.Info.Title != "" {
		title = info.Info.Title + " reference"
	}
	specJSON, err := forReaders(specJSON)
	if err != nil {
		return nil, err
	}
	// Compact, then escape <, > and & (and U+2028/2029) so that no
	// "</script" can appear: the text stays a valid JavaScript expression.
	var compact, escaped bytes.Buffer
	if err := json.Compact(&compact, specJSON); err != nil {
		return nil, err
	}
	json.HTMLEscape(&escaped, compact.Bytes())
	opts, err := json.Marshal(options)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	err = page.Execute(&b, map[string]any{
		"Title":        title,
		"Renderer":     template.HTML(base64.StdEncoding.EncodeToString(redoc.js)), //nolint:gosec // base64: no markup
		"RedocVersion": redoc.version,
		"RedocLicense": redoc.license,
		"Spec":         template.JS(escaped.String()), //nolint:gosec // JSON, HTML-escaped above
		"Options":      template.JS(opts),             //nolint:gosec // JSON of constants
	})
	return b.Bytes(), err
}
