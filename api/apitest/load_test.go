package apitest_test

import (
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/chatwork-go/chatwork/api/apitest"
	"github.com/chatwork-go/chatwork/gen"
)

// TestParallelLoad sends 8 × 200 mixed requests over real HTTP and checks
// that every accepted post and task was stored exactly once, and that the
// force=0 cursor handed every message to each account exactly once.
func TestParallelLoad(t *testing.T) {
	const workers, perWorker = 8, 200
	s := apitest.NewServer(t, apitest.WithRoomPostLimit(100, time.Minute), apitest.WithRateLimit(100000, time.Minute))
	me := s.Me()
	accounts := []apitest.Account{me}
	for i := 1; i < workers; i++ {
		a := s.AddAccount(apitest.Account{Name: fmt.Sprintf("worker%d", i)})
		s.AddContact(apitest.Contact{AccountID: me.AccountID, OtherAccountID: a.AccountID})
		accounts = append(accounts, a)
	}
	var all []int64
	for _, a := range accounts {
		all = append(all, a.AccountID)
	}
	room := s.AddRoom(apitest.Room{Name: "load", AdminIDs: all}).RoomID

	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
	defer hc.CloseIdleConnections()
	var mu sync.Mutex
	acceptedPosts, acceptedTasks, refused := 0, 0, 0
	seen := make([]map[string]bool, workers)
	var wg sync.WaitGroup
	for wi := range workers {
		seen[wi] = map[string]bool{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &client{t: t, hc: hc, base: s.URL(), token: accounts[wi].Token}
			for i := range perWorker {
				switch i % 5 {
				case 0:
					r := c.send(http.MethodPost, roomPath(room, "/messages"), url.Values{"body": {fmt.Sprintf("w%d-%d", wi, i)}})
					mu.Lock()
					switch r.status {
					case 200:
						acceptedPosts++
					case 429:
						refused++
					default:
						t.Errorf("post: %d %s", r.status, r.body)
					}
					mu.Unlock()
				case 1:
					r := c.send(http.MethodGet, roomPath(room, "/messages"), nil)
					if r.status == 200 {
						var ms []gen.Message
						r.decode(t, &ms)
						for _, m := range ms {
							if seen[wi][m.MessageID] {
								t.Errorf("worker %d got message %s twice", wi, m.MessageID)
							}
							seen[wi][m.MessageID] = true
						}
					} else if r.status != 204 {
						t.Errorf("list: %d %s", r.status, r.body)
					}
				case 2:
					r := c.send(http.MethodPost, roomPath(room, "/tasks"), url.Values{"body": {"t"}, "to_ids": {fmt.Sprint(accounts[(wi+1)%workers].AccountID)}})
					mu.Lock()
					switch r.status {
					case 200:
						acceptedTasks++
					case 429:
						refused++
					default:
						t.Errorf("task: %d %s", r.status, r.body)
					}
					mu.Unlock()
				case 3:
					c.must(200, http.MethodGet, "/my/status", nil)
				case 4:
					c.must(200, http.MethodGet, roomPath(room, ""), nil)
				}
			}
		}()
	}
	wg.Wait()

	if acceptedPosts+acceptedTasks != 100 || refused != workers*perWorker*2/5-100 {
		t.Errorf("accepted %d posts + %d tasks, refused %d", acceptedPosts, acceptedTasks, refused)
	}
	msgs := s.Messages(room)
	// Each accepted task call posted one task message.
	if len(msgs) != acceptedPosts+acceptedTasks {
		t.Fatalf("%d messages stored for %d posts and %d task calls", len(msgs), acceptedPosts, acceptedTasks)
	}
	if n := len(s.Tasks(room)); n != acceptedTasks {
		t.Fatalf("%d tasks stored, %d accepted", n, acceptedTasks)
	}
	// Drain each cursor: together with what each worker saw, every
	// message exactly once.
	for wi, a := range accounts {
		c := memClient(t, s).as(a.Token)
		for {
			r := c.send(http.MethodGet, roomPath(room, "/messages"), nil)
			if r.status == 204 {
				break
			}
			var ms []gen.Message
			r.decode(t, &ms)
			for _, m := range ms {
				if seen[wi][m.MessageID] {
					t.Fatalf("worker %d got message %s twice", wi, m.MessageID)
				}
				seen[wi][m.MessageID] = true
			}
		}
		if len(seen[wi]) != len(msgs) {
			t.Fatalf("worker %d saw %d of %d messages", wi, len(seen[wi]), len(msgs))
		}
	}
	if got := len(s.Requests()); got < workers*perWorker {
		t.Fatalf("%d requests recorded", got)
	}
}

// BenchmarkServerParallel measures GET /me through the in-memory transport
// with validation on.
func BenchmarkServerParallel(b *testing.B) {
	s := apitest.NewServer(b, apitest.WithoutListener(), apitest.WithoutRateLimits())
	hc := s.Client()
	url := s.URL() + "/me"
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest(http.MethodGet, url, nil)
			req.Header.Set("X-ChatWorkToken", s.Token())
			resp, err := hc.Do(req)
			if err != nil || resp.StatusCode != 200 {
				b.Fatalf("%v %v", resp, err)
			}
			resp.Body.Close()
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

// BenchmarkServerParallelMix measures a mix of reads and writes.
func BenchmarkServerParallelMix(b *testing.B) {
	s := apitest.NewServer(b, apitest.WithoutListener(), apitest.WithoutRateLimits())
	room := s.Me().RoomID
	hc := s.Client()
	base := s.URL()
	b.ReportAllocs()
	b.ResetTimer()
	var n sync.Mutex
	i := 0
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n.Lock()
			i++
			k := i
			n.Unlock()
			var req *http.Request
			switch k % 4 {
			case 0:
				req, _ = http.NewRequest(http.MethodPost, fmt.Sprintf("%s/rooms/%d/messages", base, room), stringsReader("body=hello"))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			case 1:
				req, _ = http.NewRequest(http.MethodGet, fmt.Sprintf("%s/rooms/%d", base, room), nil)
			case 2:
				req, _ = http.NewRequest(http.MethodGet, base+"/rooms", nil)
			default:
				req, _ = http.NewRequest(http.MethodGet, base+"/me", nil)
			}
			req.Header.Set("X-ChatWorkToken", s.Token())
			resp, err := hc.Do(req)
			if err != nil || resp.StatusCode != 200 {
				b.Fatalf("%v %v", resp, err)
			}
			resp.Body.Close()
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}
