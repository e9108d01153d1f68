package discord

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// standIn is a local Discord: the REST routes the adapter uses, keeping
// channels, threads and messages the way Discord does (a thread started
// from a message has the message's id; a repeated nonce with
// enforce_nonce returns the first message), and a gateway that sends
// Hello, READY and the events a test queues. Every request is recorded.
type standIn struct {
	t   testing.TB
	srv *httptest.Server

	mu       sync.Mutex
	requests []recorded
	channels map[string]int      // id → Discord channel type
	parentOf map[string]string   // thread id → its channel
	messages map[string][]posted // channel or thread id → messages, in order
	nonces   map[string]string   // nonce → message id
	nextID   int
	// fail, when set, may answer a request instead of the stand-in.
	fail func(r *http.Request, n int) (status int, body string, header http.Header, ok bool)

	events chan []byte // gateway dispatches to send after READY
	// kick drops the current gateway connection, as Discord does when it
	// restarts a gateway node; while refuse is set, new connections are
	// turned away (503), as during an outage.
	kick     chan struct{}
	refuse   bool
	sessions []int // the opcode each gateway connection began with: 2 identify, 6 resume
}

type recorded struct {
	Method, Path string
	Body         []byte
	At           time.Time
}

type posted struct {
	ID   string
	Body map[string]any
}

const (
	typeText   = 0
	typeThread = 11
	typeForum  = 15
)

func newStandIn(t testing.TB) *standIn {
	t.Helper()
	s := &standIn{t: t, channels: map[string]int{}, parentOf: map[string]string{}, messages: map[string][]posted{},
		nonces: map[string]string{}, nextID: 1000, events: make(chan []byte, 16), kick: make(chan struct{})}
	s.srv = httptest.NewServer(s)
	t.Cleanup(s.srv.Close)
	return s
}

func (s *standIn) URL() string { return s.srv.URL }

func (s *standIn) addChannel(id string, typ int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.channels[id] = typ
}

func (s *standIn) id() string {
	s.nextID++
	return fmt.Sprint(s.nextID)
}

// Requests returns what was received so far, matching method and a path prefix.
func (s *standIn) Requests(method, pathPrefix string) []recorded {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []recorded
	for _, r := range s.requests {
		if (method == "" || r.Method == method) && strings.HasPrefix(r.Path, pathPrefix) {
			out = append(out, r)
		}
	}
	return out
}

func (s *standIn) Messages(channel string) []posted {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]posted(nil), s.messages[channel]...)
}

// waitFor polls until some request matches, or fails the test.
func (s *standIn) waitFor(method, pathPrefix string, n int) []recorded {
	s.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if rs := s.Requests(method, pathPrefix); len(rs) >= n {
			return rs
		}
		time.Sleep(10 * time.Millisecond)
	}
	s.t.Fatalf("stand-in: no %d× %s %s within 5s; got %v", n, method, pathPrefix, s.paths())
	return nil
}

func (s *standIn) paths() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, r := range s.requests {
		out = append(out, r.Method+" "+r.Path)
	}
	return out
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func apiError(w http.ResponseWriter, status, code int, msg string) {
	writeJSON(w, status, map[string]any{"code": code, "message": msg})
}

func (s *standIn) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/gateway") && r.Method == http.MethodGet && r.Header.Get("Upgrade") != "" {
		s.gateway(w, r)
		return
	}
	body, _ := io.ReadAll(r.Body)
	path := strings.TrimPrefix(r.URL.Path, "/api/v9")
	s.mu.Lock()
	s.requests = append(s.requests, recorded{r.Method, path, body, time.Now()})
	n := len(s.requests)
	fail := s.fail
	s.mu.Unlock()
	if fail != nil {
		if status, b, h, ok := fail(r, n); ok {
			for k, v := range h {
				w.Header()[k] = v
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			_, _ = io.WriteString(w, b)
			return
		}
	}
	parts := strings.Split(strings.Trim(path, "/"), "/")
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case r.Method == "GET" && path == "/gateway":
		writeJSON(w, 200, map[string]string{"url": "ws" + strings.TrimPrefix(s.srv.URL, "http") + "/gateway"})
	case r.Method == "GET" && len(parts) == 2 && parts[0] == "channels":
		if typ, ok := s.channelType(parts[1]); ok {
			writeJSON(w, 200, map[string]any{"id": parts[1], "type": typ})
			return
		}
		apiError(w, 404, 10003, "Unknown Channel")
	case r.Method == "POST" && len(parts) == 3 && parts[0] == "channels" && parts[2] == "messages":
		s.createMessage(w, parts[1], body)
	case r.Method == "POST" && len(parts) == 5 && parts[0] == "channels" && parts[2] == "messages" && parts[4] == "threads":
		channel, msg := parts[1], parts[3]
		if !s.hasMessage(channel, msg) {
			apiError(w, 404, 10008, "Unknown Message")
			return
		}
		if _, ok := s.parentOf[msg]; ok {
			apiError(w, 400, 160004, "A thread has already been created for this message")
			return
		}
		s.parentOf[msg] = channel
		writeJSON(w, 201, map[string]any{"id": msg, "type": typeThread, "parent_id": channel})
	case r.Method == "POST" && len(parts) == 3 && parts[0] == "channels" && parts[2] == "threads":
		forum := parts[1]
		if s.channels[forum] != typeForum {
			apiError(w, 400, 50024, "Cannot execute action on this channel type")
			return
		}
		var start struct {
			Name    string         `json:"name"`
			Message map[string]any `json:"message"`
		}
		_ = json.Unmarshal(body, &start)
		id := s.id()
		s.parentOf[id] = forum
		s.messages[id] = append(s.messages[id], posted{ID: id, Body: start.Message})
		writeJSON(w, 201, map[string]any{"id": id, "type": typeThread, "parent_id": forum, "name": start.Name})
	case r.Method == "PUT" && parts[0] == "applications" && parts[len(parts)-1] == "commands":
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	case r.Method == "POST" && parts[0] == "interactions" && len(parts) == 4 && parts[3] == "callback":
		w.WriteHeader(204)
	case parts[0] == "webhooks" && r.Method == "DELETE":
		w.WriteHeader(204)
	case parts[0] == "webhooks":
		writeJSON(w, 200, map[string]any{"id": s.id(), "channel_id": "interaction"})
	default:
		apiError(w, 404, 0, "404: Not Found")
	}
}

func (s *standIn) channelType(id string) (int, bool) {
	if typ, ok := s.channels[id]; ok {
		return typ, true
	}
	if _, ok := s.parentOf[id]; ok {
		return typeThread, true
	}
	return 0, false
}

func (s *standIn) hasMessage(channel, id string) bool {
	for _, m := range s.messages[channel] {
		if m.ID == id {
			return true
		}
	}
	return false
}

func (s *standIn) createMessage(w http.ResponseWriter, channel string, body []byte) {
	if _, ok := s.channelType(channel); !ok {
		apiError(w, 404, 10003, "Unknown Channel")
		return
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		apiError(w, 400, 50109, "The request body contains invalid JSON.")
		return
	}
	if n, _ := m["nonce"].(string); n != "" && m["enforce_nonce"] == true {
		if id, ok := s.nonces[n]; ok {
			writeJSON(w, 200, map[string]any{"id": id, "channel_id": channel})
			return
		}
	}
	id := s.id()
	if n, _ := m["nonce"].(string); n != "" {
		s.nonces[n] = id
	}
	s.messages[channel] = append(s.messages[channel], posted{ID: id, Body: m})
	writeJSON(w, 200, map[string]any{"id": id, "channel_id": channel})
}

func (s *standIn) setRefuse(refuse bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refuse = refuse
}

// Sessions returns the opcode each gateway connection began with.
func (s *standIn) Sessions() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]int(nil), s.sessions...)
}

// gateway speaks just enough of Discord's gateway: Hello, then READY after
// Identify (RESUMED after Resume), then the queued dispatches, with
// heartbeats acknowledged.
func (s *standIn) gateway(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	refuse := s.refuse
	s.mu.Unlock()
	if refuse {
		http.Error(w, "gateway unavailable", http.StatusServiceUnavailable)
		return
	}
	up := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	c, err := up.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer c.Close()
	var wmu sync.Mutex
	send := func(v any) error {
		wmu.Lock()
		defer wmu.Unlock()
		return c.WriteJSON(v)
	}
	if send(map[string]any{"op": 10, "d": map[string]any{"heartbeat_interval": 45000}}) != nil {
		return
	}
	var identify struct {
		Op int `json:"op"`
	}
	if err := c.ReadJSON(&identify); err != nil || (identify.Op != 2 && identify.Op != 6) {
		return
	}
	s.mu.Lock()
	s.sessions = append(s.sessions, identify.Op)
	s.mu.Unlock()
	first := map[string]any{"op": 0, "t": "READY", "s": 1, "d": map[string]any{
		"v": 9, "session_id": "standin-session", "resume_gateway_url": "ws" + strings.TrimPrefix(s.srv.URL, "http") + "/gateway",
		"user":   map[string]any{"id": "900", "username": "policybot", "bot": true},
		"guilds": []any{}, "application": map[string]any{"id": "app1"},
	}}
	if identify.Op == 6 {
		first = map[string]any{"op": 0, "t": "RESUMED", "s": 1, "d": map[string]any{}}
	}
	if send(first) != nil {
		return
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			var m struct {
				Op int `json:"op"`
			}
			if err := c.ReadJSON(&m); err != nil {
				return
			}
			if m.Op == 1 {
				_ = send(map[string]any{"op": 11})
			}
		}
	}()
	seq := 1
	for {
		select {
		case ev := <-s.events:
			seq++
			var d map[string]any
			_ = json.Unmarshal(ev, &d)
			t, _ := d["t"].(string)
			if send(map[string]any{"op": 0, "t": t, "s": seq, "d": d["d"]}) != nil {
				return
			}
		case <-s.kick:
			return
		case <-done:
			return
		case <-r.Context().Done():
			return
		}
	}
}
