package testkit

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"sync"
)

// Do sends one request to the kit's server and returns status, headers and
// body, failing the test if it cannot be sent. In hdr, "Host" sets the
// Host header (the DNS-rebinding cases need it).
func (k *Kit) Do(method, path, body string, hdr map[string]string) (int, http.Header, string) {
	k.T.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, k.Base+path, rd)
	if err != nil {
		k.T.Fatal(err)
	}
	for name, v := range hdr {
		if name == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(name, v)
	}
	resp, err := k.HTTP.Do(req)
	if err != nil {
		k.T.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// SyncBuffer collects output (logs, a child process's stdout) from
// several goroutines.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write implements io.Writer.
func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns what was written so far.
func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
