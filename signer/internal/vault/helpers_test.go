package vault

import (
	"bytes"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"localsigner/internal/vectors"
)

// cheapKDF makes Argon2 nearly free; tests choose it explicitly through
// Options.KDF, the only way to lower the cost.
var cheapKDF = KDFParams{MemoryKiB: 64, Time: 1, Threads: 1}

var (
	passA = []byte("correct horse battery staple 1")
	passB = []byte("another long passphrase, B 2")
)

// openTest opens the vault in dir with the cheap KDF and the file backend.
func openTest(t testing.TB, dir string) *Vault {
	t.Helper()
	v, err := Open(dir, Options{KDF: cheapKDF})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(v.Lock)
	return v
}

// newTestVault returns an initialized, unlocked vault in a fresh directory.
func newTestVault(t testing.TB) (*Vault, string) {
	t.Helper()
	dir := t.TempDir()
	v := openTest(t, dir)
	if err := v.Init(passA); err != nil {
		t.Fatal(err)
	}
	return v, dir
}

// loginKey is one login-derived vector key.
type loginKey struct {
	Account, Role, Password, WIF, PrivHex, PubSTM string
}

func aliceKeys(t testing.TB) []loginKey {
	t.Helper()
	kv, err := vectors.LoadKeys()
	if err != nil {
		t.Fatal(err)
	}
	var out []loginKey
	for _, l := range kv.Login {
		if l.Account == "alice" {
			out = append(out, loginKey{l.Account, l.Role, l.Password, l.WIF, l.PrivateKey, l.PublicKey})
		}
	}
	if len(out) != 4 {
		t.Fatalf("want 4 alice keys in the vectors, got %d", len(out))
	}
	return out
}

// fakeClock is a settable clock for the backoff.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// snapshot reads every file under dir, keyed by relative path.
func snapshot(t testing.TB, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[rel] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// assertNoSecrets fails if any file under dir contains any of the needles,
// raw or hex-encoded in either case.
func assertNoSecrets(t testing.TB, dir string, needles map[string][]byte) {
	t.Helper()
	files := snapshot(t, dir)
	if len(files) == 0 {
		t.Fatal("no files to scan")
	}
	for rel, content := range files {
		for what, n := range needles {
			forms := [][]byte{n, []byte(hex.EncodeToString(n)), []byte(strings.ToUpper(hex.EncodeToString(n)))}
			for _, f := range forms {
				if len(f) > 0 && bytes.Contains(content, f) {
					t.Errorf("%s contains %s", rel, what)
				}
			}
		}
	}
}

// genDirs lists the generation directories in dataDir's vault, and "items"
// if the legacy layout's items directory is there.
func genDirs(t testing.TB, dataDir string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(dataDir, "vault"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() && (isGenName(e.Name()) || e.Name() == itemsDirName) {
			out = append(out, e.Name())
		}
	}
	return out
}

// template is a vault (passphrase A, alice's four keys on hive) built once
// and copied by populatedCopy: under the race detector every keyring item
// write costs tens of milliseconds, and the crash tests need dozens of
// identical vaults.
var template struct {
	once sync.Once
	dir  string
	want []KeyInfo
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if template.dir != "" {
		os.RemoveAll(template.dir)
	}
	os.Exit(code)
}

// populatedCopy returns a fresh data directory holding a copy of the
// template vault, locked, and the keys it holds.
func populatedCopy(t *testing.T) (string, []KeyInfo) {
	t.Helper()
	template.once.Do(func() {
		template.dir, template.err = os.MkdirTemp("", "vault-template-")
		if template.err != nil {
			return
		}
		v, err := Open(template.dir, Options{KDF: cheapKDF})
		if err == nil {
			err = v.Init(passA)
		}
		if err == nil {
			_, err = v.AddMasterPassword("hive", "alice", aliceKeys(t)[0].Password)
		}
		if err == nil {
			template.want, err = v.List()
		}
		if v != nil {
			v.Lock()
		}
		template.err = err
	})
	if template.err != nil {
		t.Fatal(template.err)
	}
	dst := t.TempDir()
	err := filepath.WalkDir(template.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(template.dir, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o700)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o600)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst, template.want
}
