package dapp

import (
	"context"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func get(t *testing.T, h http.Handler, method, path string) (*http.Response, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	res := rec.Result()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

func TestHandlerServesPages(t *testing.T) {
	h := Handler(Options{SDKFile: filepath.Join(t.TempDir(), "absent.js")})
	for _, tc := range []struct {
		path, ctype, contains string
	}{
		{"/", "text/html", `<script type="module" src="app.js">`},
		{"/hivesigner.html", "text/html", `src="vendor/hivesigner.min.js"`},
		{"/app.js", "text/javascript", "import"},
		{"/oauth.js", "text/javascript", "code_challenge_method: 'S256'"},
		{"/style.css", "text/css", ".error"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			res, body := get(t, h, http.MethodGet, tc.path)
			if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), tc.ctype) {
				t.Fatalf("%d %q", res.StatusCode, res.Header.Get("Content-Type"))
			}
			if !strings.Contains(body, tc.contains) {
				t.Fatalf("body lacks %q", tc.contains)
			}
			if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
				t.Fatalf("CSP %q", csp)
			}
		})
	}
}

func TestHandlerRefuses(t *testing.T) {
	h := Handler(Options{})
	if res, _ := get(t, h, http.MethodPost, "/"); res.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("POST: %d", res.StatusCode)
	}
	if res, _ := get(t, h, http.MethodGet, "/dapp.go"); res.StatusCode != http.StatusNotFound {
		t.Fatalf("source file: %d", res.StatusCode)
	}
}

// TestHandlerSDK: the SDK comes from the npm install when there is one; the
// 404 otherwise says how to get it.
func TestHandlerSDK(t *testing.T) {
	missing := Handler(Options{SDKFile: filepath.Join(t.TempDir(), "absent.js")})
	res, body := get(t, missing, http.MethodGet, "/vendor/hivesigner.min.js")
	if res.StatusCode != http.StatusNotFound || !strings.Contains(body, SDKInstallCommand) {
		t.Fatalf("%d %q", res.StatusCode, body)
	}
	file := filepath.Join(t.TempDir(), "hivesigner.min.js")
	if err := os.WriteFile(file, []byte("var hivesigner={};"), 0o644); err != nil {
		t.Fatal(err)
	}
	res, body = get(t, Handler(Options{SDKFile: file}), http.MethodGet, "/vendor/hivesigner.min.js")
	if res.StatusCode != http.StatusOK || body != "var hivesigner={};" ||
		!strings.HasPrefix(res.Header.Get("Content-Type"), "text/javascript") {
		t.Fatalf("%d %q %q", res.StatusCode, res.Header.Get("Content-Type"), body)
	}
}

// TestNoThirdPartyCode: the pages load only their own files (and the SDK
// from /vendor/), never anything from another site.
func TestNoThirdPartyCode(t *testing.T) {
	refs := regexp.MustCompile(`(?:src|href)="([^"]*)"|from '([^']*)'|import\(`)
	err := fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(files, p)
		if err != nil {
			return err
		}
		for _, m := range refs.FindAllStringSubmatch(string(b), -1) {
			ref := m[1] + m[2]
			if m[0] == "import(" || strings.Contains(ref, ":") || strings.HasPrefix(ref, "/") {
				t.Errorf("%s loads %q: only relative references to the example's own files are allowed", p, m[0])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestURL(t *testing.T) {
	for _, tc := range []struct{ listen, signer, want string }{
		{DefaultListen, DefaultSigner, "http://127.0.0.1:7780/"},
		{"127.0.0.1:7781", "http://127.0.0.1:7799", "http://127.0.0.1:7781/?signer=http%3A%2F%2F127.0.0.1%3A7799"},
		{"[::1]:7780", "", "http://[::1]:7780/"},
	} {
		if got := URL(tc.listen, tc.signer); got != tc.want {
			t.Errorf("URL(%q, %q) = %q, want %q", tc.listen, tc.signer, got, tc.want)
		}
	}
}

func TestStart(t *testing.T) {
	if _, err := Start(t.Context(), "0.0.0.0:0", Options{}); err == nil {
		t.Fatal("Start listened on a non-loopback address")
	}
	ctx, cancel := context.WithCancel(t.Context())
	u, err := Start(ctx, "127.0.0.1:0", Options{Signer: "http://127.0.0.1:7799"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(u, "/?signer=http%3A%2F%2F127.0.0.1%3A7799") {
		t.Fatalf("URL %s", u)
	}
	res, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", u, res.StatusCode)
	}
	cancel()
	addr := strings.TrimPrefix(strings.Split(u, "/?")[0], "http://")
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if _, err := http.Get("http://" + addr + "/"); err != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("still serving after ctx ended")
		}
	}
}
