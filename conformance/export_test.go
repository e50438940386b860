package conformance

import (
	"github.com/getkin/kin-openapi/openapi3"
)

// TestLink is a link for WithTestLinks: from the 200 answer of From to
// operation To, with its parameters' runtime expressions.
type TestLink struct {
	From, Name, To string
	Params         map[string]string
}

// WithTestLinks returns a copy of v over a private copy of the spec with
// links added, for tests of the runner's link following.
func WithTestLinks(v *Validator, links []TestLink) (*Validator, error) {
	s, err := buildSpec(false)
	if err != nil {
		return nil, err
	}
	for _, l := range links {
		op := s.byID[l.From]
		resp := op.route.Operation.Responses.Value("200").Value
		if resp.Links == nil {
			resp.Links = openapi3.Links{}
		}
		params := map[string]any{}
		for k, e := range l.Params {
			params[k] = e
		}
		resp.Links[l.Name] = &openapi3.LinkRef{Value: &openapi3.Link{OperationID: l.To, Parameters: params}}
	}
	c := *v
	c.spec = s
	return &c, nil
}
