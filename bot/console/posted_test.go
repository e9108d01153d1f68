package console

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/policybot/policybot/bot"
)

// A console bot left running prints alerts for months: FindPosted remembers
// the recent ones (a retry comes minutes after the first attempt), not all.
func TestFindPostedRemembersRecentMessagesOnly(t *testing.T) {
	a := New(strings.NewReader(""), io.Discard, Options{Format: FormatJSON})
	ctx := context.Background()
	key := func(i int) string { return fmt.Sprintf("alert:%d:part:0", i) }
	ids := map[int]string{}
	const n = 5 * maxPosted
	for i := range n {
		id, err := a.Post(ctx, bot.Target{Channel: "console", IdempotencyKey: key(i)}, bot.Message{Kind: bot.KindAlert, Text: "x"})
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = id
		if got := len(a.posted.cur) + len(a.posted.old); got > maxPosted {
			t.Fatalf("after %d posts FindPosted remembers %d keys, want at most %d", i+1, got, maxPosted)
		}
	}
	for i := n - maxPosted/2; i < n; i++ {
		if id, ok, _ := a.FindPosted(ctx, bot.Target{IdempotencyKey: key(i)}); !ok || id != ids[i] {
			t.Fatalf("FindPosted(%s) = %q %v, want %q: one of the last %d posts", key(i), id, ok, ids[i], maxPosted/2)
		}
	}
	if _, ok, _ := a.FindPosted(ctx, bot.Target{IdempotencyKey: key(0)}); ok {
		t.Errorf("FindPosted still knows the first of %d posts", n)
	}
}
