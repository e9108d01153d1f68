package fetch

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// BenchmarkFetchCorpusPage fetches a real 315 KB policy page from a local
// server, with the fetcher and, as the baseline in the same run, with a bare
// http.Get reading the same bytes. The difference is the price of the checks
// (address policy, host turn, size cap, charset detection, redirect handling).
//
//	go test ./monitor/fetch -run '^$' -bench FetchCorpusPage -benchtime 200x
func BenchmarkFetchCorpusPage(b *testing.B) {
	page := readTestdata(b, grindrPage)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(page)
	zw.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if r.URL.Query().Has("gzip") && strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			w.Header().Set("Content-Encoding", "gzip")
			w.Write(gz.Bytes())
			return
		}
		w.Write(page)
	}))
	defer srv.Close()

	for _, enc := range []string{"identity", "gzip"} {
		url := srv.URL + "/privacy"
		if enc == "gzip" {
			url += "?gzip"
		}
		b.Run(enc+"/baseline-http.Get", func(b *testing.B) {
			client := &http.Client{Transport: &http.Transport{}}
			defer client.CloseIdleConnections()
			b.SetBytes(int64(len(page)))
			for b.Loop() {
				resp, err := client.Get(url)
				if err != nil {
					b.Fatal(err)
				}
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil || len(body) != len(page) {
					b.Fatalf("read %d bytes: %v", len(body), err)
				}
			}
		})
		b.Run(enc+"/fetcher", func(b *testing.B) {
			f := newTestFetcher(b, testConfig())
			b.SetBytes(int64(len(page)))
			for b.Loop() {
				resp, err := f.Fetch(context.Background(), Request{URL: url})
				if err != nil {
					b.Fatal(err)
				}
				if len(resp.UTF8) != len(page) {
					b.Fatalf("read %d bytes", len(resp.UTF8))
				}
			}
		})
	}
}
