package fetch

import (
	"bytes"
	"fmt"
	"mime"
	"net/http"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
)

// DecodeCharset returns body as UTF-8 and the name of the charset it was
// written in, found as a browser would: byte order mark, then the charset of
// contentType, then a <meta> tag in the first 1024 bytes, then UTF-8 if the
// bytes are valid UTF-8, else windows-1252. A body already in UTF-8 is
// returned as is, without a copy.
func DecodeCharset(body []byte, contentType string) ([]byte, string, error) {
	enc, name, _ := charset.DetermineEncoding(body, contentType)
	if name == "utf-8" {
		body = bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))
		if utf8.Valid(body) {
			return body, name, nil
		}
	}
	out, err := enc.NewDecoder().Bytes(body)
	if err != nil {
		return nil, name, fmt.Errorf("decode %s: %w", name, err)
	}
	// The UTF-16 decoders keep the byte order mark as U+FEFF.
	out = bytes.TrimPrefix(out, []byte("\xef\xbb\xbf"))
	return out, name, nil
}

// mediaType is the lower-case type/subtype of a Content-Type, "" if none.
func mediaType(contentType string) string {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt, _, _ = strings.Cut(contentType, ";")
		mt = strings.TrimSpace(mt)
	}
	return strings.ToLower(mt)
}

// generic types say nothing about the content: look at the bytes instead.
func isGeneric(mt string) bool {
	switch mt {
	case "", "application/octet-stream", "binary/octet-stream", "application/unknown", "unknown/unknown":
		return true
	}
	return false
}

func isPDF(mt string, body []byte) bool {
	switch mt {
	case "application/pdf", "application/x-pdf":
		return true
	}
	return isGeneric(mt) && bytes.HasPrefix(body, []byte("%PDF-"))
}

func isHTML(mt string, body []byte) bool {
	switch mt {
	case "text/html", "application/xhtml+xml":
		return true
	}
	return isGeneric(mt) && strings.HasPrefix(http.DetectContentType(body), "text/html")
}

// isText reports whether a body is text worth decoding to UTF-8.
func isText(mt string, body []byte) bool {
	if isPDF(mt, body) {
		return false
	}
	switch {
	case strings.HasPrefix(mt, "text/"),
		mt == "application/xhtml+xml", mt == "application/xml", mt == "application/json",
		strings.HasSuffix(mt, "+xml"), strings.HasSuffix(mt, "+json"):
		return true
	case isGeneric(mt):
		return strings.HasPrefix(http.DetectContentType(body), "text/")
	}
	return false
}
