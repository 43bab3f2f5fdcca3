// Package dapp is Localsigner's example dapp: a static page and a few
// lines of plain JavaScript that log in with Localsigner (OAuth 2.0 code
// flow with PKCE S256, from the browser) and broadcast a vote, a post, a
// custom_json and a transfer through the dapp API; and a second page doing
// the same with the official Hivesigner SDK pointed at Localsigner.
//
// The files are embedded so that `localsigner --devnet` can serve them on
// their own loopback origin (DefaultListen), a different port from the
// signer, as a real dapp would be served. The Hivesigner SDK is third-party
// code and not committed: Handler serves it from an npm install when one is
// there (Options.SDKFile), and the page explains how to get it otherwise.
package dapp

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"time"
)

// DefaultListen is where the desktop app serves the example in --devnet
// mode: loopback, and not the signer's port.
const DefaultListen = "127.0.0.1:7780"

// DefaultSigner is the signer's issuer URL the pages use unless the URL
// says ?signer=.
const DefaultSigner = "http://127.0.0.1:7777"

// SDKVersion is the Hivesigner SDK the SDK page is written and tested
// against.
const SDKVersion = "3.3.5"

// SDKInstallCommand fetches the SDK next to the example, run from the
// repository root; DefaultSDKFile is where it lands.
const SDKInstallCommand = "npm install --prefix examples/dapp --no-save hivesigner@" + SDKVersion

// DefaultSDKFile is the SDK's browser build after SDKInstallCommand,
// relative to the repository root.
const DefaultSDKFile = "examples/dapp/node_modules/hivesigner/lib/hivesigner.min.js"

// sdkPath is the URL path hivesigner.html loads the SDK from.
const sdkPath = "/vendor/hivesigner.min.js"

//go:embed index.html hivesigner.html app.js hivesigner-app.js oauth.js ui.js style.css
var files embed.FS

// Files returns the example's static files.
func Files() fs.FS { return files }

// Options configure Handler and Start.
type Options struct {
	// SDKFile is the hivesigner.min.js served to the SDK page. Empty means
	// DefaultSDKFile, relative to the working directory. A missing file is
	// not an error: the page then shows how to install the SDK.
	SDKFile string
	// Signer is the signer's issuer URL, for the address Start returns
	// (empty: DefaultSigner).
	Signer string
}

// contentSecurityPolicy lets the pages run their own scripts only and talk
// to a signer on this machine only.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self' http://127.0.0.1:* http://localhost:*; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// Handler serves the example: GET and HEAD only, "/" is index.html. It is
// safe for concurrent use.
func Handler(opts Options) http.Handler {
	if opts.SDKFile == "" {
		opts.SDKFile = DefaultSDKFile
	}
	static := http.FileServerFS(files)
	start := time.Now()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "no-cache")
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			h.Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		if r.URL.Path == sdkPath {
			serveSDK(w, r, opts.SDKFile, start)
			return
		}
		static.ServeHTTP(w, r)
	})
}

func serveSDK(w http.ResponseWriter, r *http.Request, file string, modTime time.Time) {
	f, err := os.Open(file)
	if errors.Is(err, fs.ErrNotExist) {
		http.Error(w, "The Hivesigner SDK is not installed; from the repository root run: "+SDKInstallCommand, http.StatusNotFound)
		return
	}
	if err != nil {
		http.Error(w, "cannot read the Hivesigner SDK", http.StatusInternalServerError)
		return
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil {
		modTime = fi.ModTime()
	}
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	http.ServeContent(w, r, "hivesigner.min.js", modTime, f)
}

// Start serves the example on addr, which must be a loopback address
// ("127.0.0.1:7780"; port 0 picks one), until ctx ends, and returns the
// URL to open in a browser (see URL). It returns once listening, so a taken
// port is its error.
func Start(ctx context.Context, addr string, opts Options) (string, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("example dapp address %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return "", fmt.Errorf("example dapp address %q: only loopback addresses are allowed", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("serve the example dapp: %w", err)
	}
	srv := &http.Server{Handler: Handler(opts), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: time.Minute}
	go srv.Serve(ln)
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	return URL(ln.Addr().String(), opts.Signer), nil
}

// URL is the address to open in a browser for the example served at
// listenAddr (host:port) when the signer's issuer URL is signer: it names
// the signer with ?signer= unless it is DefaultSigner.
func URL(listenAddr, signer string) string {
	host, port, err := net.SplitHostPort(listenAddr)
	if err != nil {
		host, port = listenAddr, ""
	}
	u := url.URL{Scheme: "http", Host: net.JoinHostPort(host, port), Path: "/"}
	if port == "" {
		u.Host = host
	}
	if signer != "" && signer != DefaultSigner {
		u.RawQuery = url.Values{"signer": {signer}}.Encode()
	}
	return u.String()
}
