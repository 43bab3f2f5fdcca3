package vault

import (
	"bytes"
	"errors"
	"testing"
)

func TestHeaderRoundTrip(t *testing.T) {
	dk := bytes.Repeat([]byte{7}, dataKeyLen)
	h, err := newHeader(passA, dk, cheapKDF)
	if err != nil {
		t.Fatal(err)
	}
	b := h.marshal()
	if len(b) != headerLen {
		t.Fatalf("header is %d bytes, want %d", len(b), headerLen)
	}
	h2, err := parseHeader(b)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(h2.marshal(), b) {
		t.Fatal("parse/marshal changed the header")
	}
	got, err := h2.openDataKey(passA)
	if err != nil || !bytes.Equal(got, dk) {
		t.Fatalf("openDataKey = %x, %v", got, err)
	}
	if _, err := h2.openDataKey(passB); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("wrong passphrase: %v", err)
	}
	// The KDF parameters are authenticated: changing them (and fixing the
	// checksum) fails like a wrong passphrase instead of deriving quietly.
	h2.kdf.Time++
	h3, _ := parseHeader(h2.marshal())
	if _, err := h3.openDataKey(passA); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("tampered parameters: %v", err)
	}
}

func TestRecordRoundTrip(t *testing.T) {
	sub, err := deriveSubkeys(bytes.Repeat([]byte{9}, dataKeyLen))
	if err != nil {
		t.Fatal(err)
	}
	id := identity{"hive-testnet", "sixteen-chars-ok", "posting"}
	key := bytes.Repeat([]byte{0x42}, 32)
	name := sub.itemName(id)
	rec, err := sub.sealRecord(name, id, key)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec) != recordLen {
		t.Fatalf("record is %d bytes, want %d", len(rec), recordLen)
	}
	gotID, gotKey, err := sub.openRecord(name, rec)
	if err != nil || gotID != id || !bytes.Equal(gotKey, key) {
		t.Fatalf("openRecord = %v %x %v", gotID, gotKey, err)
	}
	// Records of short and long names have the same size.
	short, _ := sub.sealRecord(sub.itemName(identity{"hive", "bob", "memo"}), identity{"hive", "bob", "memo"}, key)
	if len(short) != len(rec) {
		t.Fatal("record size depends on the identity")
	}
	other := sub.itemName(identity{"hive", "bob", "memo"})
	if _, _, err := sub.openRecord(other, rec); err == nil {
		t.Fatal("a record opened under another name")
	}
}

func TestKDFParamsCheck(t *testing.T) {
	if p, err := (KDFParams{}).orDefault(); err != nil || p != DefaultKDF {
		t.Fatalf("zero KDFParams = %v, %v", p, err)
	}
	for _, p := range []KDFParams{
		{MemoryKiB: 64, Time: 1},
		{MemoryKiB: 64, Threads: 1},
		{MemoryKiB: 7, Time: 1, Threads: 1},
		{MemoryKiB: 64, Time: 1, Threads: 9},
		{MemoryKiB: maxKDFMemoryKiB + 1, Time: 1, Threads: 1},
		{MemoryKiB: 64, Time: maxKDFTime + 1, Threads: 1},
	} {
		if _, err := Open(t.TempDir(), Options{KDF: p}); !errors.Is(err, errBadKDF) {
			t.Errorf("Open with %+v: %v", p, err)
		}
	}
}

// FuzzParseHeader: whatever parses must marshal back to the same bytes.
func FuzzParseHeader(f *testing.F) {
	h, _ := newHeader(passA, make([]byte, dataKeyLen), cheapKDF)
	f.Add(h.marshal())
	f.Add([]byte("LSVH\x01"))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := parseHeader(b)
		if err != nil {
			return
		}
		if !bytes.Equal(h.marshal(), b) {
			t.Fatalf("round trip changed %x", b)
		}
	})
}
