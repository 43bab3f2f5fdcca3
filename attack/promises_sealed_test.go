package attack

import (
	"bytes"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"localsigner/authz"
	"localsigner/internal/testkit"
	"localsigner/signer"
	"localsigner/store"
)

// TestPromiseSealedRecords: standing permissions cannot be made by editing
// localapi.db. With Localsigner stopped, another program of the user's adds
// a posting grant and a token it knows for an approved dapp, and widens an
// existing token's scopes in place (keeping its MAC). After a restart the
// records stay closed until the first unlock (503, nothing read); then the
// forged and widened records are ignored (401, nothing signed), reported in
// the audit log, and the untouched grant works as before.
func TestPromiseSealedRecords(t *testing.T) {
	// Not parallel: TestLoad measures the process's live heap, which another
	// test's Localsigner in the middle of it would grow.
	e := newEnv(t)
	narrow := e.login("mydapp", dappRedirect, "login", "alice")
	bystander := e.login("other", otherRedirect, "custom_json:follow", "alice")
	chainName := e.Chain.Name
	e.Stop()
	e.vault.Lock()
	if err := e.db.Close(); err != nil {
		t.Fatal(err)
	}

	forged, err := authz.NewSecret(authz.PrefixAccess)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	scopes := authz.Scopes{"custom_json:follow"}
	editFile(t, e.dir, func(tx *bolt.Tx) error {
		g, _ := json.Marshal(authz.Grant{ID: "forged", ClientID: "mydapp", Chain: chainName, Account: "alice", Scopes: scopes, CreatedAt: now})
		if err := tx.Bucket([]byte("grants")).Put([]byte("forged"), g); err != nil {
			return err
		}
		tk, _ := json.Marshal(authz.Token{Kind: authz.KindAccess, GrantID: "forged", ClientID: "mydapp", Chain: chainName,
			Account: "alice", Scopes: scopes, IssuedAt: now, ExpiresAt: now.Add(time.Hour), KeepUntil: now.Add(time.Hour)})
		d := authz.DigestOf(forged)
		if err := tx.Bucket([]byte("tokens")).Put(d[:], tk); err != nil {
			return err
		}
		// Widen the narrow token: same key, same MAC prefix, new scopes.
		b := tx.Bucket([]byte("tokens"))
		nd := authz.DigestOf(narrow.AccessToken)
		old := b.Get(nd[:])
		const i = 3 + 32 // "LS" 1, then the 32-byte tag, then the JSON (store/seal.go)
		var rec map[string]any
		if len(old) < i || json.Unmarshal(old[i:], &rec) != nil {
			t.Fatalf("token record not as expected: %q", old)
		}
		rec["scopes"] = []string{"login", "custom_json:follow"}
		w, _ := json.Marshal(rec)
		return b.Put(nd[:], append(bytes.Clone(old[:i]), w...))
	})

	v, err := signer.OpenVault(e.dir, signer.VaultOptions{KDF: testkit.CheapKDF})
	if err != nil {
		t.Fatal(err)
	}
	k := testkit.Start(t, testkit.Options{Vault: v, Dir: e.dir, BlockInterval: blockInterval})
	e2 := &env{Kit: k, t: t, dir: k.Dir, srv: k.Server, db: k.DB, vault: k.Vault, admin: k.Admin, base: k.Base,
		port: k.Port, http: k.HTTP, net: k.Devnet.Net, nc: k.Node}

	t.Run("SealedRecords/closed_until_the_first_unlock", func(t *testing.T) {
		r := e2.do(http.MethodGet, "/api/me", "", map[string]string{"Authorization": bystander.AccessToken})
		if r.status != http.StatusServiceUnavailable || r.code != "temporarily_unavailable" || !strings.Contains(r.body, "unlock") {
			t.Fatalf("/api/me before the first unlock: %d %s", r.status, r.body)
		}
		if _, err := e2.admin.Grants(); err == nil {
			t.Fatal("grants listed before the first unlock")
		}
	})
	if err := e2.admin.Unlock([]byte(passphrase)); err != nil {
		t.Fatal(err)
	}
	t.Run("SealedRecords/forged_grant_signs_nothing", func(t *testing.T) {
		before := e2.snapshot()
		r := e2.broadcast(forged, "["+followOp+"]")
		if r.status != http.StatusUnauthorized {
			t.Fatalf("forged token: %d %s", r.status, r.body)
		}
		if ps, _ := e2.admin.Approvals(); len(ps) != 0 {
			t.Fatalf("a forged token raised a prompt: %+v", ps)
		}
		assertNothingChanged(t, e2, before)
	})
	t.Run("SealedRecords/widened_token_signs_nothing", func(t *testing.T) {
		before := e2.snapshot()
		if r := e2.broadcast(narrow.AccessToken, "["+followOp+"]"); r.status != http.StatusUnauthorized {
			t.Fatalf("widened token: %d %s", r.status, r.body)
		}
		assertNothingChanged(t, e2, before)
	})
	t.Run("SealedRecords/reported_and_the_rest_intact", func(t *testing.T) {
		var found *authz.Event
		for _, ev := range e2.auditLog() {
			if ev.Type == authz.EventRecordsRejected {
				found = &ev
			}
		}
		if found == nil || !strings.Contains(found.Detail, "3 records") || !strings.Contains(found.Detail, "grant forged") {
			t.Fatalf("audit event for the rejected records: %+v", found)
		}
		if got := e2.db.Rejected(); len(got) != 3 {
			t.Fatalf("rejected records %+v, want the forged grant and token and the widened token", got)
		}
		gs, err := e2.admin.Grants()
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range gs {
			if g.ID == "forged" {
				t.Fatalf("the forged grant is listed: %+v", g)
			}
		}
		if r := e2.broadcast(bystander.AccessToken, "["+followOp+"]"); r.status != http.StatusOK {
			t.Fatalf("the untouched grant: %d %s", r.status, r.body)
		}
	})
}

// editFile changes localapi.db as another program would, with Localsigner
// stopped.
func editFile(t *testing.T, dir string, fn func(*bolt.Tx) error) {
	t.Helper()
	b, err := bolt.Open(filepath.Join(dir, store.FileName), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.Update(fn); err != nil {
		t.Fatal(err)
	}
}
