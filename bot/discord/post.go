package discord

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/bwmarrin/discordgo"

	"github.com/policybot/policybot/bot"
)

// threadArchive is how long (minutes) a quiet alert thread stays open:
// a week, so that a weekly digest's readers can still answer in it.
const threadArchive = 10080

// Post sends one message. A top-level post in a text channel returns the
// message's id; in a forum channel it opens a post (a thread whose first
// message is the alert) and returns the thread's id. With to.Thread set the
// message goes into that thread, which is started from the parent message
// on first use: Discord gives a thread started from a message the
// message's id, so the parent's id is the thread's id, before and after a
// restart.
func (a *Adapter) Post(ctx context.Context, to bot.Target, msg bot.Message) (string, error) {
	b := render(msg)
	b.Nonce = nonce(to.IdempotencyKey)
	b.EnforceNonce = b.Nonce != ""
	if to.Thread == "" {
		typ, err := a.channelType(ctx, to.Channel)
		if err != nil {
			return "", err
		}
		if typ == discordgo.ChannelTypeGuildForum || typ == discordgo.ChannelTypeGuildMedia {
			return a.forumPost(ctx, to.Channel, msg, b)
		}
		m, err := a.send(ctx, to.Channel, b)
		if err != nil {
			return "", err
		}
		a.mu.Lock()
		a.parents.put(m.ID, threadName(msg))
		a.mu.Unlock()
		return m.ID, nil
	}
	m, err := a.sendInThread(ctx, to.Channel, to.Thread, b)
	if err != nil {
		return "", err
	}
	if msg.Broadcast {
		// Discord has no "also send to channel": post a copy there too.
		c := b
		c.Nonce = nonce(to.IdempotencyKey + ":broadcast")
		if _, err := a.send(ctx, to.Channel, c); err != nil {
			return "", err
		}
	}
	return m.ID, nil
}

// nonce is the idempotency key as Discord's nonce: at most 25 characters,
// so a hash of the key. With enforce_nonce, Discord answers a repeat sent
// within a few minutes with the message already created.
func nonce(key string) string {
	if key == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(key))
	return base64.RawURLEncoding.EncodeToString(sum[:])[:25]
}

func threadName(m bot.Message) string {
	name := bot.Truncate(bot.Clean(m.Title, true), maxThreadName)
	if name == "" {
		name = bot.Truncate(bot.Clean(m.Text, true), maxThreadName)
	}
	if name == "" {
		name = "Details"
	}
	return name
}

// send creates a message in a channel (or thread).
func (a *Adapter) send(ctx context.Context, channelID string, b body) (*discordgo.Message, error) {
	endpoint := discordgo.EndpointChannelMessages(channelID)
	out, err := a.request(ctx, "POST", endpoint, b, endpoint)
	if err != nil {
		return nil, err
	}
	var m discordgo.Message
	if err := json.Unmarshal(out, &m); err != nil {
		return nil, fmt.Errorf("discord: read the posted message: %w", err)
	}
	if m.ID == "" {
		return nil, errors.New("discord: the posted message has no id")
	}
	return &m, nil
}

// sendInThread posts into the thread of parent, starting it if needed.
func (a *Adapter) sendInThread(ctx context.Context, channelID, parent string, b body) (*discordgo.Message, error) {
	a.mu.Lock()
	started, _ := a.threads.get(parent)
	name, ours := a.parents.get(parent)
	a.mu.Unlock()
	if !started && ours {
		// We posted the parent and no thread exists yet: start it rather
		// than let the first reply fail.
		if err := a.startThread(ctx, channelID, parent, name); err != nil {
			return nil, err
		}
		started = true
	}
	m, err := a.send(ctx, parent, b)
	if err != nil && !started && restCode(err) == codeUnknownChannel {
		// After a restart: the thread was never started. Start it and retry.
		if err := a.startThread(ctx, channelID, parent, ""); err != nil {
			return nil, err
		}
		m, err = a.send(ctx, parent, b)
	}
	if err != nil {
		return nil, err
	}
	a.markThread(parent)
	return m, nil
}

func (a *Adapter) markThread(parent string) {
	a.mu.Lock()
	a.threads.put(parent, true)
	a.parents.delete(parent)
	a.mu.Unlock()
}

// startThread starts a public thread from message parent in channelID. A
// thread that already exists (another replica, or a crash after starting
// it) is fine.
func (a *Adapter) startThread(ctx context.Context, channelID, parent, name string) error {
	if name == "" {
		name = "Details of this change"
	}
	endpoint := discordgo.EndpointChannelMessageThread(channelID, parent)
	_, err := a.request(ctx, "POST", endpoint, &discordgo.ThreadStart{Name: name, AutoArchiveDuration: threadArchive},
		discordgo.EndpointChannelThreads(channelID))
	if err != nil && restCode(err) != codeThreadExists {
		return err
	}
	a.markThread(parent)
	return nil
}

// forumStart is the body of a forum post: the thread and its first message.
type forumStart struct {
	Name                string `json:"name"`
	AutoArchiveDuration int    `json:"auto_archive_duration,omitempty"`
	Message             body   `json:"message"`
}

// forumPost opens one forum post per change; its replies go in the post.
func (a *Adapter) forumPost(ctx context.Context, forumID string, msg bot.Message, b body) (string, error) {
	// A forum post's first message takes no nonce; an interrupted retry
	// may open the post twice, which the outbox's record makes rare.
	b.Nonce, b.EnforceNonce = "", false
	endpoint := discordgo.EndpointChannelThreads(forumID)
	out, err := a.request(ctx, "POST", endpoint, forumStart{Name: threadName(msg), AutoArchiveDuration: threadArchive, Message: b}, endpoint)
	if err != nil {
		return "", err
	}
	var th discordgo.Channel
	if err := json.Unmarshal(out, &th); err != nil || th.ID == "" {
		return "", fmt.Errorf("discord: read the new forum post: %v", err)
	}
	a.markThread(th.ID)
	return th.ID, nil
}

// channelType looks a channel up once per process: forums take posts,
// other channels messages.
func (a *Adapter) channelType(ctx context.Context, channelID string) (discordgo.ChannelType, error) {
	a.mu.Lock()
	t, ok := a.channels[channelID]
	a.mu.Unlock()
	if ok {
		return t, nil
	}
	if a.s.State != nil {
		if ch, err := a.s.State.Channel(channelID); err == nil {
			a.rememberChannel(channelID, ch.Type)
			return ch.Type, nil
		}
	}
	endpoint := discordgo.EndpointChannel(channelID)
	out, err := a.request(ctx, "GET", endpoint, nil, endpoint)
	if err != nil {
		return 0, err
	}
	var ch discordgo.Channel
	if err := json.Unmarshal(out, &ch); err != nil {
		return 0, fmt.Errorf("discord: read channel %s: %w", channelID, err)
	}
	a.rememberChannel(channelID, ch.Type)
	return ch.Type, nil
}

func (a *Adapter) rememberChannel(id string, t discordgo.ChannelType) {
	a.mu.Lock()
	a.channels[id] = t
	a.mu.Unlock()
}
