package conformance

import "testing"

func TestOperationLookup(t *testing.T) {
	ok200, r4xx, r5xx, dflt := &response{status: 200}, &response{}, &response{}, &response{}
	op := &operation{responses: map[int]*response{200: ok200}, dflt: dflt}
	for _, c := range []struct {
		status int
		want   *response
	}{{200, ok200}, {204, nil}, {404, nil}, {418, nil}, {500, dflt}, {503, dflt}} {
		if got := op.lookup(c.status); got != c.want {
			t.Errorf("without ranges: lookup(%d) = %p, want %p", c.status, got, c.want)
		}
	}
	op.ranges[4], op.ranges[5] = r4xx, r5xx
	for _, c := range []struct {
		status int
		want   *response
	}{{200, ok200}, {204, nil}, {404, r4xx}, {418, r4xx}, {503, r5xx}, {99, nil}, {600, dflt}} {
		if got := op.lookup(c.status); got != c.want {
			t.Errorf("with ranges: lookup(%d) = %p, want %p", c.status, got, c.want)
		}
	}
}

func TestPathTemplate(t *testing.T) {
	tp := newPathTemplate("/rooms/{room_id}/messages/{message_id}")
	for path, want := range map[string]bool{
		"/rooms/1/messages/2": true, "/rooms/1/messages/": false, "/rooms//messages/2": false,
		"/rooms/1/messages": false, "/rooms/1/messages/2/x": false, "rooms/1/messages/2": false, "": false,
	} {
		if got := tp.matches(path); got != want {
			t.Errorf("matches(%q) = %v, want %v", path, got, want)
		}
	}
	params := map[string]string{}
	tp.extract("/rooms/36818150/messages/1928374655918273645", params)
	if params["room_id"] != "36818150" || params["message_id"] != "1928374655918273645" {
		t.Errorf("extract: %v", params)
	}
}
