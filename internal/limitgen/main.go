// Command limitgen writes internal/limits, the bounds of values that
// openapi.yaml states, as Go constants: the lengths of a message body, a
// room name, an invitation link code and a message ID (the maxLength of
// their schemas), the link code's pattern, the size of an upload
// (x-chatwork-max-bytes on uploadFile's file part), the length of a list
// answer (the maxItems of the lists, which must agree: there is no
// pagination), and the lifetimes of a download URL and of an OAuth access
// token (x-chatwork-lifetime-seconds on their properties).
//
// It is run by `go generate` from the module root (see generate.go):
//
//	go run ./internal/limitgen [-in openapi.yaml] [-out internal/limits/limits.gen.go]
//
// The client (package api) checks these bounds before sending and the fake
// (package api/apitest) enforces them; neither writes them by hand. Package
// api/oauth and the fake read the lifetimes.
package main

import (
	"bytes"
	"errors"
	"fmt"
	"go/format"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/chatwork-go/chatwork/internal/genfile"
)

func main() {
	genfile.Main("limitgen", "openapi.yaml", "internal/limits/limits.gen.go", genfile.Then(parse, render))
}

// lengths are the schemas whose maxLength is a bound, and the constants
// they become.
var lengths = []struct{ schema, name, what string }{
	{"MessageBody", "MessageLength", "characters in a message or task body"},
	{"RoomName", "RoomNameLength", "characters in a room name"},
	{"LinkCode", "LinkCodeLength", "characters in an invitation link code"},
	{"MessageID", "MessageIDLength", "digits in a message ID"},
}

// lifetimes are the properties whose lifetime the spec states, and the
// constants they become. Every x-chatwork-lifetime-seconds of the spec is
// one of these, so that none is stated without reaching the code.
var lifetimes = []struct{ schema, property, name, what string }{
	{"RoomFile", "download_url", "DownloadURLLifetime", "a download URL works after getFile made it"},
	{"OAuthToken", "access_token", "AccessTokenLifetime", "an OAuth access token works after it was issued"},
}

// lifetime is the extension that states a lifetime, in seconds.
const lifetime = "x-chatwork-lifetime-seconds"

// uploadOperation is the operation whose file part has a size bound, and
// maxBytes the extension that states it.
const (
	uploadOperation = "uploadFile"
	maxBytes        = "x-chatwork-max-bytes"
)

type schema struct {
	MaxLength  *int   `yaml:"maxLength"`
	Pattern    string `yaml:"pattern"`
	Properties map[string]struct {
		Lifetime *int `yaml:"x-chatwork-lifetime-seconds"`
	} `yaml:"properties"`
}

// limits is what the generated file says.
type limits struct {
	Lengths         []int // in the order of lengths
	LinkCodePattern string
	UploadBytes     int
	ListItems       int
	Lists           []string // the operations whose answer has ListItems at most, sorted
	Lifetimes       []int    // in seconds, in the order of lifetimes
}

// parse reads the bounds and checks that each is there and sane.
func parse(src []byte) (limits, error) {
	var doc struct {
		Paths      map[string]map[string]yaml.Node `yaml:"paths"`
		Components struct {
			Schemas map[string]schema `yaml:"schemas"`
		} `yaml:"components"`
	}
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return limits{}, err
	}
	var l limits
	for _, n := range lengths {
		s, ok := doc.Components.Schemas[n.schema]
		if !ok || s.MaxLength == nil || *s.MaxLength < 1 {
			return limits{}, fmt.Errorf("components.schemas.%s needs a maxLength of at least 1", n.schema)
		}
		l.Lengths = append(l.Lengths, *s.MaxLength)
	}
	for _, n := range lifetimes {
		p, ok := doc.Components.Schemas[n.schema].Properties[n.property]
		if !ok || p.Lifetime == nil || *p.Lifetime < 1 {
			return limits{}, fmt.Errorf("components.schemas.%s.properties.%s needs %s, a positive number of seconds", n.schema, n.property, lifetime)
		}
		l.Lifetimes = append(l.Lifetimes, *p.Lifetime)
	}
	if err := lifetimesKnown(src); err != nil {
		return limits{}, err
	}
	l.LinkCodePattern = doc.Components.Schemas["LinkCode"].Pattern
	if _, err := regexp.Compile(l.LinkCodePattern); err != nil || l.LinkCodePattern == "" {
		return limits{}, fmt.Errorf("components.schemas.LinkCode needs a pattern that compiles: %q", l.LinkCodePattern)
	}
	found := 0
	for _, methods := range doc.Paths {
		for _, node := range methods {
			var op struct {
				OperationID string `yaml:"operationId"`
				Responses   map[string]struct {
					Content map[string]struct {
						Schema struct {
							Type     string `yaml:"type"`
							MaxItems *int   `yaml:"maxItems"`
						} `yaml:"schema"`
					} `yaml:"content"`
				} `yaml:"responses"`
				RequestBody struct {
					Content map[string]struct {
						Schema struct {
							Properties map[string]map[string]any `yaml:"properties"`
						} `yaml:"schema"`
					} `yaml:"content"`
				} `yaml:"requestBody"`
			}
			if node.Kind != yaml.MappingNode || node.Decode(&op) != nil {
				continue
			}
			if s := op.Responses["200"].Content["application/json"].Schema; s.Type == "array" && s.MaxItems != nil {
				if len(l.Lists) > 0 && *s.MaxItems != l.ListItems {
					return limits{}, fmt.Errorf("the answer of %s has maxItems %d, another list's %d: the lists' length is one fact", op.OperationID, *s.MaxItems, l.ListItems)
				}
				l.ListItems = *s.MaxItems
				l.Lists = append(l.Lists, op.OperationID)
			}
			if op.OperationID != uploadOperation {
				continue
			}
			found++
			v, ok := op.RequestBody.Content["multipart/form-data"].Schema.Properties["file"][maxBytes].(int)
			if !ok || v < 1 {
				return limits{}, fmt.Errorf("the file part of %s needs %s, a positive number of bytes", uploadOperation, maxBytes)
			}
			l.UploadBytes = v
		}
	}
	if found != 1 {
		return limits{}, fmt.Errorf("found %d operations %s, want 1", found, uploadOperation)
	}
	if l.ListItems < 1 {
		return limits{}, errors.New("no list answer has a positive maxItems")
	}
	slices.Sort(l.Lists)
	return l, nil
}

// lifetimesKnown checks that every x-chatwork-lifetime-seconds of the
// document is on a property of lifetimes.
func lifetimesKnown(src []byte) error {
	var root yaml.Node
	if err := yaml.Unmarshal(src, &root); err != nil {
		return err
	}
	known := map[string]bool{}
	for _, n := range lifetimes {
		known["components.schemas."+n.schema+".properties."+n.property] = true
	}
	var walk func(path string, n *yaml.Node) error
	walk = func(path string, n *yaml.Node) error {
		for i, c := range n.Content {
			var err error
			switch n.Kind {
			case yaml.DocumentNode:
				err = walk(path, c)
			case yaml.SequenceNode:
				err = walk(fmt.Sprintf("%s[%d]", path, i), c)
			case yaml.MappingNode:
				if i%2 == 0 {
					continue
				}
				key := n.Content[i-1].Value
				if key == lifetime && !known[path] {
					return fmt.Errorf("%s has %s, which no constant gives to the code: add it to limitgen's lifetimes", path, lifetime)
				}
				err = walk(strings.TrimPrefix(path+"."+key, "."), c)
			}
			if err != nil {
				return err
			}
		}
		return nil
	}
	return walk("", &root)
}

// render writes the Go file.
func render(l limits) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(`// Code generated by go run ./internal/limitgen from openapi.yaml. DO NOT EDIT.

// Package limits holds the bounds of values as openapi.yaml states them,
// and how long some values stay valid. The client (package api) checks the
// bounds before sending and the fake (api/apitest) enforces them; the fake
// and package api/oauth keep to the lifetimes. No bound or lifetime is
// written anywhere else.
package limits

import "time"

// The longest values, from the maxLength of their schemas.
const (
`)
	for i, n := range lengths {
		fmt.Fprintf(&b, "\t%s = %d // %s (%s)\n", n.name, l.Lengths[i], n.what, n.schema)
	}
	b.WriteString(`)

// How long values stay valid, from the x-chatwork-lifetime-seconds of
// their properties.
const (
`)
	for i, n := range lifetimes {
		fmt.Fprintf(&b, "\t%s = %s // how long %s (%s.%s)\n", n.name, genfile.Duration(l.Lifetimes[i]), n.what, n.schema, n.property)
	}
	fmt.Fprintf(&b, `)

// LinkCodePattern is what an invitation link code is made of (the pattern
// of LinkCode), within 1 to LinkCodeLength characters.
const LinkCodePattern = %s

// UploadBytes is the size of the largest file an upload may carry, in
// bytes (%s of %s's file part).
const UploadBytes = %d

%s
const ListItems = %d
`, strconv.Quote(l.LinkCodePattern), maxBytes, uploadOperation, l.UploadBytes,
		comment("ListItems is the most items a list answers with, there being no pagination: the maxItems of "+strings.Join(l.Lists, ", ")+"."),
		l.ListItems)
	return format.Source(b.Bytes())
}

// comment wraps text into // lines of at most 76 characters.
func comment(text string) string {
	var b strings.Builder
	line := "//"
	for _, w := range strings.Fields(text) {
		if len(line)+1+len(w) > 76 && line != "//" {
			b.WriteString(line + "\n")
			line = "//"
		}
		line += " " + w
	}
	b.WriteString(line)
	return b.String()
}
