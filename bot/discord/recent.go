package discord

// maxRemembered bounds what the adapter remembers of the messages it posted
// (see Adapter.threads): a thread is posted into within minutes of its
// parent, so a bot that runs for months needs its recent parents only.
const maxRemembered = 4096

// recent is a map of the most recently written keys: between max/2 and max
// of them, the older half forgotten at once. It is not safe for concurrent
// use.
type recent[V any] struct {
	max      int
	cur, old map[string]V
}

func newRecent[V any](max int) *recent[V] {
	return &recent[V]{max: max, cur: map[string]V{}}
}

func (r *recent[V]) get(key string) (V, bool) {
	if v, ok := r.cur[key]; ok {
		return v, true
	}
	v, ok := r.old[key]
	return v, ok
}

func (r *recent[V]) put(key string, v V) {
	if _, ok := r.cur[key]; !ok && len(r.cur) >= r.max/2 {
		r.old, r.cur = r.cur, make(map[string]V, r.max/2)
	}
	delete(r.old, key)
	r.cur[key] = v
}

func (r *recent[V]) delete(key string) {
	delete(r.cur, key)
	delete(r.old, key)
}

func (r *recent[V]) len() int { return len(r.cur) + len(r.old) }
