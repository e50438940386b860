package apitest_test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chatwork-go/chatwork/api/apitest"
	"github.com/chatwork-go/chatwork/gen"
)

func TestOptionsAndHandler(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	s := apitest.NewServer(t,
		apitest.WithListenAddr(addr),
		apitest.WithDefaultAccount(apitest.Account{AccountID: 42, Token: "fixed-token", Name: "Taro", Title: "CMO", OrganizationID: 101}))
	if s.URL() != "http://"+addr+"/v2" || s.Token() != "fixed-token" {
		t.Fatalf("URL %q, token %q", s.URL(), s.Token())
	}
	c := &client{t: t, hc: http.DefaultClient, base: s.URL(), token: "fixed-token"}
	var me gen.Me
	c.get("/me", &me)
	if me.AccountID != 42 || me.Name != "Taro" || me.Title != "CMO" || me.OrganizationID != 101 {
		t.Fatalf("me = %+v", me)
	}

	// Handler() mounted on another server serves the same state.
	hs := httptest.NewServer(s.Handler())
	defer hs.Close()
	c2 := &client{t: t, hc: hs.Client(), base: hs.URL + "/v2", token: "fixed-token"}
	room := s.AddRoom(apitest.Room{Name: "linked", AdminIDs: []int64{42}, Link: &apitest.Link{Code: "abc", Description: "d"}}).RoomID
	var link gen.InvitationLink
	c2.get(roomPath(room, "/link"), &link)
	if !link.Public || !strings.HasSuffix(*link.URL, "/g/abc") || *link.Description != "d" || *link.NeedAcceptance {
		t.Fatalf("link = %+v", link)
	}
	if got := s.Rooms(); len(got) != 2 || got[0].RoomID != me.RoomID || got[0].Type != apitest.RoomTypeMy || got[1].RoomID != room {
		t.Fatalf("Rooms() = %+v", got)
	}
	if r, ok := s.Room(room); !ok || r.Link == nil || r.Link.Code != "abc" || r.AdminIDs[0] != 42 || r.Link.URL != strings.TrimSuffix(s.URL(), "/v2")+"/g/abc" {
		t.Fatalf("Room() = %+v", r)
	}
}

func TestSeedingPanics(t *testing.T) {
	s := apitest.NewServer(t, apitest.WithoutListener())
	for name, f := range map[string]func(){
		"duplicate account":  func() { s.AddAccount(apitest.Account{AccountID: s.Me().AccountID}) },
		"room without admin": func() { s.AddRoom(apitest.Room{Name: "x"}) },
		"unknown member":     func() { s.AddRoom(apitest.Room{Name: "x", AdminIDs: []int64{999}}) },
		"message to nowhere": func() { s.AddMessage(apitest.Message{RoomID: 1, AccountID: s.Me().AccountID, Body: "x"}) },
		"bad webhook token":  func() { s.AddWebhook(apitest.Webhook{URL: "https://x.example", Token: "%%%"}) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}
