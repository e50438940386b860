// Package conformance checks HTTP exchanges with the Chatwork API v2, and
// webhook payloads, against openapi.yaml, the hand-written OpenAPI 3.0.3
// description at the root of this module (a copy is compiled in: importing
// conformance adds no code generator to your go.mod).
//
// It is built on kin-openapi (openapi3filter) and adds the wire rules of
// Chatwork that a schema alone cannot express.
//
// # What is validated
//
// Requests:
//   - the operation: method and path relative to the base path /v2, on any
//     scheme and host; an unknown path or method is an *Error wrapping
//     ErrUnknownOperation;
//   - path and query parameters, with their types (room_id an integer,
//     message_id a string of digits, force 0 or 1);
//   - credentials: X-ChatWorkToken, or Authorization: Bearer for OAuth, must
//     be present (only presence is checked; values are never reported);
//   - the body: form-urlencoded and multipart bodies against their schema,
//     ID lists as one comma-joined value (members_admin_ids=1,2, never
//     members_admin_ids[0]=1 nor repeated keys), flags as 0/1; fields and
//     parts the operation does not declare are ignored, as Chatwork ignores
//     them (chatwork-api-client adds file_name to every upload);
//   - the query: a POST or PUT parameter sent in the query (ignored by
//     Chatwork since 2025-07-03), the abolished ?method= override, a token
//     in the URL and a repeated parameter are reported; other undeclared
//     parameters are ignored, as Chatwork ignores them. The body fields of
//     a DELETE without a body are read from the query, as Chatwork reads
//     action_type of DELETE /rooms/{room_id}.
//
// Responses:
//   - the status must be declared for the operation, exactly or as a range
//     such as "5XX"; the spec's default response is accepted for 5xx only,
//     so an undeclared 204, 404 or 418 is a violation;
//   - every declared header: the x-ratelimit-* headers are required on
//     every response but 401 (Chatwork's documented 401s have none) and
//     413, chatwork-message-limitation may only be "true";
//   - the Content-Type, and the body against its schema (a number where
//     message_id must be a string, a missing required field, a wrong enum
//     value); a response declared without a body (204) must have none.
//
// Webhook payloads: ValidateWebhook picks the schema by webhook_event_type.
//
// Each violation is an *Error naming the operation, the part ("request",
// "response", "webhook"), the field ("body.members_admin_ids",
// "header.x-ratelimit-reset", "status"), the offending value and a reason.
// Several violations are returned together with errors.Join.
//
// # Testing a client
//
// Put the validating transport under the client, and every request the
// client makes and every response it reads is checked. By default a
// violation fails the call (a bad request is not even sent), so a test
// cannot miss it:
//
//	v, err := conformance.New()
//	if err != nil {
//		t.Fatal(err)
//	}
//	client, err := api.NewClient(token, api.WithHTTPClient(&http.Client{Transport: v.Transport(nil)}))
//
// Against the fake server of package api/apitest, which serves the same
// API in memory:
//
//	srv := apitest.NewServer(t, apitest.WithoutListener())
//	hc := &http.Client{Transport: v.Transport(srv.Transport(), conformance.FailTest(t))}
//	client, err := api.NewClient(srv.Token(), api.WithHTTPClient(hc), api.WithBaseURL(srv.URL()))
//
// FailTest(t) reports each violation with t.Errorf and lets the call
// through, so that one run shows every problem. It takes a small interface
// (TestingT), not testing.TB: conformance does not link package testing
// into programs.
//
// Only requests under the base path /v2 are API calls. Other requests
// through the transport, such as the fetch of a file's download_url, pass
// unchecked.
//
// # A production canary
//
// The same transport can watch live traffic without changing it: with
// ReportTo or LogTo, violations are reported and the exchange goes on
// untouched.
//
//	v, err := conformance.New(conformance.RejectUnknownProperties())
//	if err != nil {
//		return err
//	}
//	hc := &http.Client{Transport: v.Transport(http.DefaultTransport, conformance.LogTo(logger))}
//	client, err := api.NewClient(token, api.WithHTTPClient(hc))
//
// Validating a small response (GET /me) costs about 10 to 15 µs and 64
// allocations; a page of 100 messages about 0.5 ms. In reporting mode the
// caller reads the response body as it comes, with the same bytes and the
// same read errors as without the canary; the transport keeps a copy of at
// most MaxBodySize bytes (16 MiB by default) and validates it when the body
// ends. A larger body, or one that breaks off, is passed through untouched
// and reported as a note wrapping ErrNotValidated, never as a violation.
//
// # Drift detection
//
// openapi.yaml leaves objects open, since Chatwork may add fields at any
// time. RejectUnknownProperties closes every object schema of responses and
// webhook payloads in a private copy of the document, so that a field the
// spec does not know about is reported: use it on recorded fixtures and in
// canaries to learn when the API has changed.
//
// # Credentials
//
// Error messages and log lines never contain the X-ChatWorkToken or
// Authorization values: request headers are checked for presence only, and
// values of query or form fields whose name suggests a credential are
// redacted.
//
// # Dependencies
//
// This package owns the spec as the module's code sees it: validation,
// and the description of the operations ([Validator.Operations]) that the
// fake server and the tests of the other packages take their operation
// list from. It checks clients from the outside, so it imports no client:
// of this module only the embedded spec (internal/embeddedspec), the
// schema-driven value generator (internal/schemarand, for [Validator.Run])
// and conformance/har, never package api, gen or apitest (enforced by
// internal/checks TestImportRules).
package conformance
