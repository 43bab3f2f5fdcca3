package attack

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"localsigner/internal/daemon"
)

// Load test parameters: bounded so that it runs in every make test.
const (
	loadDapps    = 16              // registered dapps, each with its own rate-limit buckets
	loadWorkers  = 64              // concurrent clients (4 per dapp)
	loadDuration = 4 * time.Second // of sustained load
	loadHeapGrow = 32 << 20        // bytes the live heap may grow by
)

// TestLoad drives /api/me and /api/broadcast (posting operations signed
// and broadcast to the devnet) from many concurrent clients with the
// default rate limits on. Every answer must be 200 or 429 (nothing else,
// no transport error), every 200 broadcast must be on chain exactly once,
// and the live heap after a GC must stay flat. It logs p50/p99 latencies
// (BENCHMARKS.md has the figures).
//
// It does not run in parallel: the live heap is the whole process's, so
// the package's other tests must be paused while it measures (Go holds
// parallel tests until the sequential ones are done).
func TestLoad(t *testing.T) {
	e := newEnv(t, func(o *daemon.Options) { o.Limits = daemon.Limits{} }) // the defaults
	toks := make([]string, loadDapps)
	for i := range toks {
		// Each dapp has its own origin: prompts are rate limited per origin.
		toks[i] = e.login("load"+strconv.Itoa(i), "https://d"+strconv.Itoa(i)+".example/cb", "custom_json:follow", "alice").AccessToken
	}
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: loadWorkers}}
	call := func(method, path, token, body string) (int, time.Duration, error) {
		req, _ := http.NewRequest(method, e.base+path, strings.NewReader(body))
		req.Header.Set("Authorization", token)
		req.Header.Set("Content-Type", "application/json")
		t0 := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			return 0, 0, err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode, time.Since(t0), nil
	}
	// Warm up (connections, account cache, first blocks), then measure the heap.
	for _, tk := range toks[:4] {
		call("GET", "/api/me", tk, "")
	}
	heapBefore := liveHeap()

	type sample struct {
		path    string
		status  int
		latency time.Duration
	}
	var (
		mu      sync.Mutex
		samples []sample
		markers []string
		failed  atomic.Int64
		seq     atomic.Int64
	)
	ctx, cancel := context.WithTimeout(context.Background(), loadDuration)
	defer cancel()
	var wg sync.WaitGroup
	for w := range loadWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tk := toks[w%loadDapps]
			var local []sample
			var mine []string
			for ctx.Err() == nil {
				// Half the clients only read and half only broadcast, so that
				// the readers' pace (not the broadcasters' wait for a block)
				// decides whether /api/me reaches its rate limit.
				path, body, marker := "/api/me", "", ""
				if (w/loadDapps)%2 == 1 {
					marker = "load" + strconv.FormatInt(seq.Add(1), 10)
					path, body = "/api/broadcast", `{"operations":[["custom_json",{"required_auths":[],"required_posting_auths":["alice"],"id":"follow","json":"[\"follow\",{\"follower\":\"alice\",\"following\":\"`+marker+`\",\"what\":[]}]"}]]}`
				}
				method := "GET"
				if body != "" {
					method = "POST"
				}
				st, d, err := call(method, path, tk, body)
				if err != nil {
					if ctx.Err() == nil {
						failed.Add(1)
						t.Errorf("%s: %v", path, err)
					}
					continue
				}
				local = append(local, sample{path, st, d})
				if st == http.StatusOK && marker != "" {
					mine = append(mine, marker)
				}
				if st == http.StatusTooManyRequests {
					time.Sleep(20 * time.Millisecond) // a polite client backs off a little
				}
			}
			mu.Lock()
			samples = append(samples, local...)
			markers = append(markers, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	client.CloseIdleConnections()
	heapAfter := liveHeap()

	counts := map[string]map[int]int{}
	lat := map[string][]time.Duration{}
	for _, s := range samples {
		if counts[s.path] == nil {
			counts[s.path] = map[int]int{}
		}
		counts[s.path][s.status]++
		if s.status != http.StatusOK && s.status != http.StatusTooManyRequests {
			t.Errorf("%s answered %d: only 200 and 429 are allowed under load", s.path, s.status)
		}
		key := s.path + " " + strconv.Itoa(s.status)
		lat[key] = append(lat[key], s.latency)
	}
	for _, k := range slices.Sorted(maps.Keys(lat)) {
		ds := lat[k]
		slices.Sort(ds)
		t.Logf("%-18s n=%5d p50=%8v p99=%8v max=%8v", k, len(ds), pct(ds, 50), pct(ds, 99), ds[len(ds)-1])
	}
	t.Logf("%d requests in %v by %d clients of %d dapps; live heap %s → %s", len(samples), loadDuration, loadWorkers, loadDapps,
		mib(heapBefore), mib(heapAfter))
	if counts["/api/me"][http.StatusOK] == 0 || counts["/api/broadcast"][http.StatusOK] == 0 || counts["/api/me"][http.StatusTooManyRequests] == 0 {
		t.Errorf("the load did not exercise both success and the rate limit: %v", counts)
	}
	if heapAfter > heapBefore+loadHeapGrow {
		t.Errorf("live heap grew from %s to %s under load", mib(heapBefore), mib(heapAfter))
	}
	time.Sleep(2 * blockInterval)
	cjs := e.net.CustomJSONs()
	seen := map[string]int{}
	for _, cj := range cjs {
		if i := strings.Index(cj.JSON, `"load`); i >= 0 {
			m := cj.JSON[i+1:]
			seen[m[:strings.IndexByte(m, '"')]]++
		}
	}
	for _, m := range markers {
		if seen[m] != 1 {
			t.Errorf("confirmed broadcast %s is on chain %d times", m, seen[m])
		}
	}
}

func liveHeap() uint64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

func pct(sorted []time.Duration, p int) time.Duration {
	return sorted[min(len(sorted)-1, len(sorted)*p/100)].Round(10 * time.Microsecond)
}

func mib(b uint64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
