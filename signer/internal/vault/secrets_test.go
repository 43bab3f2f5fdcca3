package vault

import (
	"encoding/hex"
	"testing"

	"localsigner/signer/internal/privkey"
)

// TestNothingSecretOnDisk stores known keys for two accounts through every
// write path, changes the passphrase, then scans every byte under the data
// directory for the passphrases, the WIFs, the raw keys, the master
// password, the account names and the public keys.
func TestNothingSecretOnDisk(t *testing.T) {
	v, dir := newTestVault(t)
	ak := aliceKeys(t)
	if _, err := v.AddWIF("hive", "alice", "posting", ak[2].WIF); err != nil {
		t.Fatal(err)
	}
	if _, err := v.AddMasterPassword("peerplays", "alice", ak[0].Password); err != nil {
		t.Fatal(err)
	}
	if _, err := v.AddWIF("hive-testnet", "carol.test", "active", ak[1].WIF); err != nil {
		t.Fatal(err)
	}
	if err := v.Unlock(passB); err == nil { // also writes the backoff file
		t.Fatal("wrong passphrase accepted")
	}
	if err := v.ChangePassphrase(passA, passB); err != nil {
		t.Fatal(err)
	}
	if err := v.Remove("peerplays", "alice", "memo"); err != nil {
		t.Fatal(err)
	}

	needles := map[string][]byte{
		"passphrase A":    passA,
		"passphrase B":    passB,
		"master password": []byte(ak[0].Password),
		"account alice":   []byte("alice"),
		"account carol":   []byte("carol.test"),
	}
	for _, k := range ak {
		raw, _ := hex.DecodeString(k.PrivHex)
		p, err := privkey.FromBytes(raw)
		if err != nil {
			t.Fatal(err)
		}
		pub := p.PublicKey()
		needles[k.Role+" WIF"] = []byte(k.WIF)
		needles[k.Role+" private key"] = raw
		needles[k.Role+" public key"] = pub[:]
		needles[k.Role+" public key string"] = []byte(k.PubSTM[3:])
	}
	assertNoSecrets(t, dir, needles)
}
