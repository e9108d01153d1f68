package fetch

import (
	"compress/gzip"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/andybalholm/brotli"
)

// acceptEncoding is what the fetcher can decode. Setting it by hand turns off
// the transport's own gzip handling, so that every encoding is decoded here,
// under the same size cap.
const acceptEncoding = "gzip, br"

// errTooLarge is what a capped reader returns past its limit.
var errTooLarge = errors.New("over the size limit")

// sizeError says how a body broke the cap, for a person.
type sizeError struct{ msg string }

func (e *sizeError) Error() string { return e.msg }

// capReader fails once more than max bytes have come through, so that an
// oversized body is an error, never a page silently cut short.
type capReader struct {
	r   io.Reader
	n   int64
	max int64
}

func (c *capReader) Read(p []byte) (int, error) {
	if c.n > c.max {
		return 0, errTooLarge
	}
	// Read at most one byte past the limit: enough to know it is exceeded.
	if rest := c.max - c.n + 1; int64(len(p)) > rest {
		p = p[:rest]
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.n > c.max {
		return n, errTooLarge
	}
	return n, err
}

// readBody reads and content-decodes a response body, refusing more than max
// bytes either on the wire or after decoding (so a gzip bomb stops at max).
func readBody(resp *http.Response, max int64) ([]byte, error) {
	if resp.ContentLength > max {
		return nil, &sizeError{fmt.Sprintf("the server announced %s, over the %s limit", byteSize(resp.ContentLength), byteSize(max))}
	}
	var r io.Reader = &capReader{r: resp.Body, max: max}
	encodings := strings.Split(resp.Header.Get("Content-Encoding"), ",")
	// Encodings are listed in the order they were applied: undo the last first.
	for i := len(encodings) - 1; i >= 0; i-- {
		var err error
		switch enc := strings.ToLower(strings.TrimSpace(encodings[i])); enc {
		case "", "identity":
		case "gzip", "x-gzip":
			r, err = gzip.NewReader(r)
		case "br":
			r = brotli.NewReader(r)
		case "deflate":
			// Servers send zlib-wrapped data as "deflate", as RFC 9110 says;
			// the few that send raw DEFLATE are too rare to guess for.
			r, err = zlib.NewReader(r)
		default:
			return nil, fmt.Errorf("unsupported content encoding %q", enc)
		}
		if err != nil {
			return nil, tooLargeOr(fmt.Errorf("decode %s body: %w", encodings[i], err), max)
		}
	}
	var body []byte
	var err error
	if n := resp.ContentLength; n > 0 && resp.Header.Get("Content-Encoding") == "" {
		body, err = readKnown(&capReader{r: r, max: max}, n+1) // +1 to see EOF without growing
	} else {
		body, err = io.ReadAll(&capReader{r: r, max: max})
	}
	if err != nil {
		return nil, tooLargeOr(fmt.Errorf("read body: %w", err), max)
	}
	return body, nil
}

// readKnown reads a body of announced length into one allocation; a server
// that sends more than it announced still meets the cap.
func readKnown(r io.Reader, size int64) ([]byte, error) {
	b := make([]byte, 0, size)
	for {
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err != nil {
			if err == io.EOF {
				return b, nil
			}
			return b, err
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
	}
}

func tooLargeOr(err error, max int64) error {
	if errors.Is(err, errTooLarge) {
		return &sizeError{fmt.Sprintf("the body is over the %s limit", byteSize(max))}
	}
	return err
}

func byteSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
