// Package diff compares two normalized Markdown texts of a document the way a
// careful reader would: block by block under their headings, noticing moved
// blocks, then word by word inside modified blocks, and says whether each edit
// is substantive or merely cosmetic.
package diff

// Kind is the verdict on a whole comparison.
type Kind string

const (
	KindNone        Kind = "none"
	KindCosmetic    Kind = "cosmetic"
	KindSubstantive Kind = "substantive"
)

// Op is what happened to one block.
type Op string

const (
	OpAdded    Op = "added"
	OpRemoved  Op = "removed"
	OpModified Op = "modified"
	OpMoved    Op = "moved"
)

// Result is the outcome of Compare.
type Result struct {
	Kind  Kind   `json:"kind"`
	Edits []Edit `json:"edits"`
	// Stats count blocks and words, for logs and the change record.
	Stats Stats `json:"stats"`
}

// Edit is one changed block. Before and After hold the whole block (paragraph,
// list item, table row, heading) as normalized Markdown; Words holds the
// word-level difference for modified blocks.
type Edit struct {
	Op Op `json:"op"`
	// Section is the heading path the block sits under, outermost first,
	// joined with " > " (the new text's section for added, modified and moved
	// blocks, the old text's for removed ones).
	Section string `json:"section"`
	// FromSection is the old section of a moved block.
	FromSection string `json:"from_section,omitempty"`
	Before      string `json:"before"`
	After       string `json:"after"`
	Substantive bool   `json:"substantive"`
	// Reason explains a cosmetic edit: whitespace, punctuation, formatting,
	// date, link, case, or moved.
	Reason string `json:"reason,omitempty"`
	Words  []Word `json:"words,omitempty"`
	// OldIndex and NewIndex are block positions in each text (-1 when absent).
	OldIndex int `json:"old_index"`
	NewIndex int `json:"new_index"`
}

// WordOp is what happened to a run of words inside a modified block.
type WordOp string

const (
	WordEqual  WordOp = "equal"
	WordInsert WordOp = "insert"
	WordDelete WordOp = "delete"
)

// Word is a run of text with its operation; concatenating the equal and
// delete runs gives Before, the equal and insert runs After.
type Word struct {
	Op   WordOp `json:"op"`
	Text string `json:"text"`
}

// Stats summarise a comparison.
type Stats struct {
	OldBlocks     int `json:"old_blocks"`
	NewBlocks     int `json:"new_blocks"`
	Added         int `json:"added"`
	Removed       int `json:"removed"`
	Modified      int `json:"modified"`
	Moved         int `json:"moved"`
	WordsInserted int `json:"words_inserted"`
	WordsDeleted  int `json:"words_deleted"`
}
