package attack

import (
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"
)

// readHeaderTimeout is the server's http.Server.ReadHeaderTimeout
// (localapi/server.go); the slowloris case waits for it.
const readHeaderTimeout = 10 * time.Second

// TestPromiseSlowClients: a client that sends its headers a byte at a time
// (slowloris) is cut off once ReadHeaderTimeout has passed, and many such
// or idle connections do not stop the server from answering everyone else
// meanwhile. (A slow body is bounded by ReadTimeout, 30 s; not waited for
// here.)
func TestPromiseSlowClients(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tk := e.login("mydapp", dappRedirect, "vote", "alice")
	addr := "127.0.0.1:" + strconv.Itoa(e.port)
	before := e.snapshot()

	t.Run("SlowClients/slowloris_headers_are_cut_at_ReadHeaderTimeout_while_others_are_served", func(t *testing.T) {
		const slow = 20
		head := "GET /api/me HTTP/1.1\r\nHost: " + addr + "\r\nAuthorization: " + tk.AccessToken + "\r\nX-Slow: "
		var wg sync.WaitGroup
		cut := make([]time.Duration, slow)
		start := time.Now()
		for i := range slow {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c, err := net.DialTimeout("tcp", addr, 2*time.Second)
				if err != nil {
					t.Error(err)
					return
				}
				defer c.Close()
				done := make(chan struct{})
				go func() { // read until the server closes the connection
					io.Copy(io.Discard, c)
					close(done)
				}()
				tick := time.NewTicker(200 * time.Millisecond)
				defer tick.Stop()
				deadline := time.After(readHeaderTimeout + 5*time.Second)
				for n := 0; ; n++ {
					select {
					case <-done:
						cut[i] = time.Since(start)
						return
					case <-deadline:
						t.Errorf("slow connection %d still open after %v", i, time.Since(start))
						return
					case <-tick.C:
						b := []byte{'a'}
						if n < len(head) {
							b = []byte{head[n]}
						}
						c.Write(b)
					}
				}
			}()
		}
		// Meanwhile everyone else is served promptly.
		served := 0
		for time.Since(start) < readHeaderTimeout-time.Second {
			t0 := time.Now()
			r := e.do("GET", "/api/me", "", map[string]string{"Authorization": tk.AccessToken})
			if r.status != http.StatusOK || time.Since(t0) > 3*time.Second {
				t.Fatalf("a normal client got %d after %v while slow clients were connected", r.status, time.Since(t0))
			}
			served++
			time.Sleep(100 * time.Millisecond)
		}
		wg.Wait()
		for i, d := range cut {
			if d != 0 && (d < readHeaderTimeout-time.Second || d > readHeaderTimeout+3*time.Second) {
				t.Errorf("slow connection %d cut after %v, want about %v", i, d, readHeaderTimeout)
			}
		}
		t.Logf("%d slow connections cut after about %v; %d normal requests served meanwhile", slow, cut[0], served)
	})
	t.Run("SlowClients/many_idle_connections_do_not_block_service", func(t *testing.T) {
		var conns []net.Conn
		for range 200 {
			c, err := net.DialTimeout("tcp", addr, 2*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			conns = append(conns, c)
		}
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		t0 := time.Now()
		if r := e.do("GET", "/api/me", "", map[string]string{"Authorization": tk.AccessToken}); r.status != http.StatusOK || time.Since(t0) > 3*time.Second {
			t.Fatalf("%d after %v with 200 idle connections open", r.status, time.Since(t0))
		}
	})
	t.Run("SlowClients/nothing_changed", func(t *testing.T) { assertNothingChanged(t, e, before) })
}
