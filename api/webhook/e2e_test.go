package webhook_test

import (
	"context"
	"encoding/base64"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/chatwork-go/chatwork/api"
	"github.com/chatwork-go/chatwork/api/apitest"
	"github.com/chatwork-go/chatwork/api/notation"
	"github.com/chatwork-go/chatwork/api/webhook"
	"github.com/chatwork-go/chatwork/conformance"
)

// TestEndToEndWithTheFake has the fake Chatwork deliver signed events, as
// Chatwork does, to a Handler: a message posted, edited, and a mention.
func TestEndToEndWithTheFake(t *testing.T) {
	srv := apitest.NewServer(t, apitest.WithSyncWebhooks())
	bot := srv.Me()
	anna := srv.AddAccount(apitest.Account{Name: "Anna"})
	room := srv.AddRoom(apitest.Room{Name: "ops", AdminIDs: []int64{bot.AccountID}, MemberIDs: []int64{anna.AccountID}}).RoomID

	var mu sync.Mutex
	var got []*webhook.Event
	record := func(_ context.Context, e *webhook.Event) error {
		mu.Lock()
		got = append(got, e)
		mu.Unlock()
		return nil
	}
	// Two settings, as configured in Chatwork's UI, each with its own token,
	// delivering to one endpoint.
	roomToken := base64.StdEncoding.EncodeToString([]byte("room-webhook-token-32-bytes-long"))
	mentionToken := base64.StdEncoding.EncodeToString([]byte("mention-webhook-token-32-bytes!!"))
	h, err := webhook.NewHandler([]string{roomToken, mentionToken})
	if err != nil {
		t.Fatal(err)
	}
	h.OnMessageCreated(record)
	h.OnMessageUpdated(record)
	h.OnMentionToMe(record)
	h.OnUnknown(func(_ context.Context, e *webhook.Event) error {
		t.Errorf("unknown event %q", e.Type)
		return nil
	})
	hs := httptest.NewServer(h)
	defer hs.Close()
	srv.AddWebhook(apitest.Webhook{URL: hs.URL, Token: roomToken, RoomID: room,
		Events: []string{webhook.TypeMessageCreated, webhook.TypeMessageUpdated}})
	srv.AddWebhook(apitest.Webhook{URL: hs.URL, Token: mentionToken, AccountID: bot.AccountID,
		Events: []string{webhook.TypeMentionToMe}})

	ctx := t.Context()
	annaClient, err := api.NewClient(anna.Token, api.WithBaseURL(srv.URL()))
	if err != nil {
		t.Fatal(err)
	}
	body := notation.NewBuilder().To(bot.AccountID, bot.Name).Text("Can you check the deploy?").String()
	id, _, err := annaClient.Messages.Post(ctx, room, body, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := annaClient.Messages.Update(ctx, room, id, body+" (urgent)"); err != nil {
		t.Fatal(err)
	}
	srv.FlushWebhooks()

	mu.Lock()
	defer mu.Unlock()
	types := map[string]int{}
	for _, e := range got {
		types[e.Type]++
		switch e.Type {
		case webhook.TypeMessageCreated, webhook.TypeMessageUpdated:
			if e.Message.MessageID != id || e.Message.RoomID != room || e.Message.AccountID != anna.AccountID {
				t.Errorf("%s: %+v", e.Type, e.Message)
			}
		case webhook.TypeMentionToMe:
			m := e.Mention
			if m.MessageID != id || m.FromAccountID != anna.AccountID || m.ToAccountID != bot.AccountID || m.Body != body {
				t.Errorf("mention: %+v", m)
			}
			if !notation.Parse(m.Body).MentionsAccount(bot.AccountID) {
				t.Error("the mention's body does not mention the bot")
			}
		}
	}
	want := map[string]int{webhook.TypeMessageCreated: 1, webhook.TypeMessageUpdated: 1, webhook.TypeMentionToMe: 1}
	for typ, n := range want {
		if types[typ] != n {
			t.Errorf("%d %s events, want %d (all: %v)", types[typ], typ, n, types)
		}
	}
	v, err := conformance.New()
	if err != nil {
		t.Fatal(err)
	}
	deliveries := srv.WebhookDeliveries()
	if len(deliveries) != 3 {
		t.Errorf("%d deliveries, want 3", len(deliveries))
	}
	for _, d := range deliveries {
		if d.StatusCode != 200 || d.Error != "" {
			t.Errorf("%s delivery: status %d, %s", d.EventType, d.StatusCode, d.Error)
		}
		if err := v.ValidateWebhook([]byte(d.Body)); err != nil {
			t.Errorf("%s payload does not conform to openapi.yaml: %v", d.EventType, err)
		}
		if err := webhook.Verify([]byte(d.Body), d.Signature, roomToken, mentionToken); err != nil {
			t.Errorf("%s signature: %v", d.EventType, err)
		}
	}
}
