package api_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/chatwork-go/chatwork/api"
)

// A success status without the operation's result is an error, never a
// zero value: here a server answers a message post with 204 No Content.
func ExampleUnexpectedResponseError() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	c, _ := api.NewClient("your-token", api.WithBaseURL(srv.URL+"/v2"))

	id, _, err := c.Messages.Post(context.Background(), 36818150, "Hello", nil)
	var ue *api.UnexpectedResponseError
	if errors.As(err, &ue) {
		fmt.Printf("id %q, unexpected: %v, status %d\n", id, errors.Is(err, api.ErrUnexpectedResponse), ue.StatusCode)
	}
	// Output: id "", unexpected: true, status 204
}

// Plain http sends the token in clear, so it is refused for hosts that are
// not loopback unless the caller says the path is trusted.
func ExampleWithInsecureHTTP() {
	_, err := api.NewClient("your-token", api.WithBaseURL("http://chatwork-proxy.internal/v2"))
	fmt.Println(errors.Is(err, api.ErrInvalidInput))

	_, err = api.NewClient("your-token", api.WithBaseURL("http://chatwork-proxy.internal/v2"), api.WithInsecureHTTP())
	fmt.Println(err)
	// Output:
	// true
	// <nil>
}
