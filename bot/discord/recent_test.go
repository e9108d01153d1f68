package discord

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/policybot/policybot/bot"
)

func TestRecentKeepsTheNewestKeys(t *testing.T) {
	r := newRecent[int](8)
	for i := range 100 {
		r.put(fmt.Sprint(i), i)
		if r.len() > 8 {
			t.Fatalf("after %d puts %d keys are remembered, want at most 8", i+1, r.len())
		}
	}
	for i := 96; i < 100; i++ {
		if v, ok := r.get(fmt.Sprint(i)); !ok || v != i {
			t.Errorf("get(%d) = %d %v, want one of the 4 newest", i, v, ok)
		}
	}
	if _, ok := r.get("0"); ok {
		t.Error("the first key is still remembered")
	}
	r.put("99", -1) // rewriting a key does not make room for it twice
	if v, _ := r.get("99"); v != -1 || r.len() > 8 {
		t.Errorf("after rewriting 99: %d, %d keys", v, r.len())
	}
	r.delete("99")
	if _, ok := r.get("99"); ok {
		t.Error("a deleted key is still there")
	}
}

// Every alert the adapter posted used to stay in its parents map (and every
// thread in its threads map) for the life of the process. It remembers the
// recent ones; a reply to an older alert still reaches its thread, the way
// it does after a restart.
func TestPostedParentsAreBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("posts thousands of messages to the stand-in")
	}
	ctx := context.Background()
	si := newStandIn(t)
	si.addChannel("C1", typeText)
	a := newTestAdapter(t, si, Options{})
	var parents []string
	for i := range maxRemembered + maxRemembered/4 {
		id, err := a.Post(ctx, bot.Target{Channel: "C1", IdempotencyKey: fmt.Sprint("p", i)}, bot.Message{Kind: bot.KindAlert, Title: fmt.Sprint("Alert ", i)})
		if err != nil {
			t.Fatal(err)
		}
		parents = append(parents, id)
	}
	a.mu.Lock()
	n := a.parents.len()
	a.mu.Unlock()
	if n > maxRemembered {
		t.Errorf("the adapter remembers %d of %d posted parents, want at most %d", n, len(parents), maxRemembered)
	}
	for _, p := range []string{parents[1], parents[len(parents)-1]} { // forgotten, remembered
		if _, err := a.Post(ctx, bot.Target{Channel: "C1", Thread: p, IdempotencyKey: "late " + p}, bot.Message{Kind: bot.KindThreadReply, Title: "late"}); err != nil {
			t.Fatalf("reply to %s: %v", p, err)
		}
		starts := si.Requests("POST", "/channels/C1/messages/"+p+"/threads")
		if len(si.Messages(p)) != 1 || len(starts) != 1 {
			t.Fatalf("the thread of %s was not started once and posted into: %v", p, si.paths())
		}
		// A remembered parent names its thread after the alert; a forgotten
		// one gets the name a restart gives.
		want := "Details of this change"
		if p == parents[len(parents)-1] {
			want = fmt.Sprint("Alert ", len(parents)-1)
		}
		if !strings.Contains(string(starts[0].Body), `"name":"`+want+`"`) {
			t.Errorf("thread of %s started as %s, want the name %q", p, starts[0].Body, want)
		}
	}
}
