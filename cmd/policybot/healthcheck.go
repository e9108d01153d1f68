package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// runHealthcheck asks the running bot's /healthz, for container health checks
// on images that have no curl. Exit status 0 when healthy.
func runHealthcheck(ctx context.Context, m *Main, args []string) error {
	if len(args) > 0 {
		return usageError{"healthcheck takes no arguments"}
	}
	if err := m.LoadConfig(); err != nil {
		return err
	}
	host, port, err := net.SplitHostPort(m.Config.HTTPAddr)
	if err != nil {
		return fmt.Errorf("http_addr %q: %w", m.Config.HTTPAddr, err)
	}
	// A server listening on every interface is reached on loopback.
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+net.JoinHostPort(host, port)+"/healthz", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthz: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	fmt.Fprintf(m.Stdout, "%s\n", body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthz answered %s", resp.Status)
	}
	return nil
}
