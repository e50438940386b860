package conformance

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// Validator checks requests, responses and webhook payloads against
// openapi.yaml, the document compiled into this package. It is safe for
// concurrent use. The document is parsed and prepared once per process.
type Validator struct {
	spec *spec
	opts *openapi3filter.Options
	// schemaOpts are the options of direct schema validation (webhooks,
	// response headers); responseOpts those of response bodies.
	schemaOpts   []openapi3.SchemaValidationOption
	responseOpts []openapi3.SchemaValidationOption
}

// Option configures a Validator, in the functional-option style of package
// api.
type Option func(*config) error

type config struct {
	strict bool
}

// RejectUnknownProperties makes properties that the spec does not declare
// violations, in responses and webhook payloads. The published spec leaves
// objects open, because Chatwork may add fields at any time; this option
// closes them in a private copy of the document, to detect API drift in
// recorded fixtures or in a canary. allOf compositions are merged first, so
// a RoomDetail still accepts the properties of Room plus description.
func RejectUnknownProperties() Option {
	return func(c *config) error {
		c.strict = true
		return nil
	}
}

// New returns a Validator for openapi.yaml. It fails only if the embedded
// document cannot be loaded, which the tests of this package rule out, or
// with the error of an option.
func New(opts ...Option) (*Validator, error) {
	var c config
	for _, o := range opts {
		if err := o(&c); err != nil {
			return nil, err
		}
	}
	s, err := loadSpec(c.strict)
	if err != nil {
		return nil, err
	}
	schemaOpts := []openapi3.SchemaValidationOption{openapi3.DisableSchemaErrorDetails()}
	return &Validator{
		spec: s,
		opts: &openapi3filter.Options{
			MultiError:            true,
			IncludeResponseStatus: true,
			// The request validated is a private clone and is thrown away;
			// defaults written into it would be wasted work.
			SkipSettingDefaults:               true,
			RejectWhenRequestBodyNotSpecified: true,
			AuthenticationFunc:                authPresent,
			SchemaValidationOptions:           schemaOpts,
		},
		schemaOpts: append([]openapi3.SchemaValidationOption{openapi3.MultiErrors()}, schemaOpts...),
		// No openapi3.VisitAsResponse(): it only matters for writeOnly
		// properties, which openapi.yaml has none of (TestNoWriteOnly), and
		// costs a sorted copy of every object schema's property names on
		// every object visited.
		responseOpts: append([]openapi3.SchemaValidationOption{openapi3.MultiErrors()}, schemaOpts...),
	}, nil
}

// authPresent accepts a request that carries the credentials a security
// scheme asks for: the X-ChatWorkToken header for the API token, or
// Authorization: Bearer for OAuth. It checks presence only: the value is
// never read beyond its scheme, and never reported.
func authPresent(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	h := in.RequestValidationInput.Request.Header
	s := in.SecurityScheme
	switch {
	case s.Type == "apiKey" && s.In == "header":
		if strings.TrimSpace(h.Get(s.Name)) == "" {
			return in.NewError(errors.New("missing header " + s.Name))
		}
	case s.Type == "oauth2" || s.Type == "openIdConnect" || (s.Type == "http" && strings.EqualFold(s.Scheme, "bearer")):
		scheme, token, ok := strings.Cut(h.Get("Authorization"), " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
			return in.NewError(errors.New("missing Authorization: Bearer"))
		}
	case s.Type == "apiKey":
		// Not used by this spec: accept rather than guess.
	default:
		return in.NewError(fmt.Errorf("unsupported security scheme type %q", s.Type))
	}
	return nil
}

// Operation finds the operation a request is for. Requests are matched by
// method and by path relative to the spec's base path /v2 on any scheme and
// host: http://127.0.0.1:8080/v2/rooms, https://api.chatwork.com/v2/rooms
// and a bare /v2/rooms all match listRooms or createRoom. When no operation
// matches, the error is an *Error wrapping ErrUnknownOperation.
func (v *Validator) Operation(req *http.Request) (operationID string, err error) {
	op, _, err := v.route(req, false)
	if err != nil {
		return "", err
	}
	return op.id, nil
}

// route matches req. With params, path parameters are extracted too.
func (v *Validator) route(req *http.Request, params bool) (*operation, map[string]string, error) {
	var pp map[string]string
	if params {
		pp = make(map[string]string, 2)
	}
	p := urlPath(req.URL)
	op, reason := v.spec.match(req.Method, p, pp)
	if op == nil {
		if req.URL != nil && req.URL.Query().Has("method") {
			reason += "; the ?method= override was abolished on 2025-07-03: send the real HTTP method"
		}
		c := ectx{method: req.Method, path: p, part: PartRequest}
		return nil, nil, c.errorf("path", strconv.Quote(truncate(p)), reason, ErrUnknownOperation)
	}
	return op, pp, nil
}

func urlPath(u *url.URL) string {
	if u == nil {
		return ""
	}
	return u.Path
}
