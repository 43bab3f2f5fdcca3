package chain

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"testing"
)

func TestLookup(t *testing.T) {
	devnet := sha256.Sum256([]byte("localsigner-devnet"))
	tests := []struct {
		name, arg, prefix string
		wantName          string
		wantID            string
		wantPrefix        string
		wantFamily        Family
		wantLiquid        string
	}{
		{"hive", "hive", "", "hive", "beeab0de00000000000000000000000000000000000000000000000000000000", "STM", Hive, "HIVE"},
		{"hive testnet", "hive-testnet", "", "hive-testnet", "18dcf0a285365fc58b71f18b3d3fec954aa0c141c44e4e5cb4cf777b9eab274e", "TST", Hive, "TESTS"},
		{"hive testnet with STM", "hive-testnet", "STM", "hive-testnet", "18dcf0a285365fc58b71f18b3d3fec954aa0c141c44e4e5cb4cf777b9eab274e", "STM", Hive, "TESTS"},
		{"peerplays", "peerplays", "", "peerplays", "6b6b5f0ce7a36d323768e534f3edb41c6d6332a541a95725b98e28d140850134", "PPY", Graphene, ""},
		{"devnet", "devnet", "", "devnet", hex.EncodeToString(devnet[:]), "STM", Hive, "HIVE"},
		{"custom hex with prefix", "5c08cd543e5e53705b51b32fdfa4cd45fe8774b47d0cdffe82da1d2c85f23b98", "DEV", "custom", "5c08cd543e5e53705b51b32fdfa4cd45fe8774b47d0cdffe82da1d2c85f23b98", "DEV", Hive, "HIVE"},
		{"custom upper-case hex", "5C08CD543E5E53705B51B32FDFA4CD45FE8774B47D0CDFFE82DA1D2C85F23B98", "", "custom", "5c08cd543e5e53705b51b32fdfa4cd45fe8774b47d0cdffe82da1d2c85f23b98", "STM", Hive, "HIVE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Lookup(tt.arg, tt.prefix)
			if err != nil {
				t.Fatal(err)
			}
			if c.Name != tt.wantName || c.IDHex() != tt.wantID || c.Prefix != tt.wantPrefix || c.Family != tt.wantFamily {
				t.Errorf("got %s %s %s %v", c.Name, c.IDHex(), c.Prefix, c.Family)
			}
			liquid, ok := c.SymbolByKind(Liquid)
			if tt.wantLiquid == "" {
				if ok {
					t.Errorf("graphene chain has Hive symbols")
				}
				return
			}
			if !ok || liquid.Name != tt.wantLiquid {
				t.Errorf("liquid symbol %+v, want %s", liquid, tt.wantLiquid)
			}
		})
	}
}

func TestDevnetIsSHA256(t *testing.T) {
	c, err := Lookup("devnet", "")
	if err != nil {
		t.Fatal(err)
	}
	if c.IDHex() != "5c08cd543e5e53705b51b32fdfa4cd45fe8774b47d0cdffe82da1d2c85f23b98" {
		t.Errorf("devnet id %s", c.IDHex())
	}
}

func TestLookupErrors(t *testing.T) {
	tests := []struct {
		name, arg, prefix string
		unknown           bool
	}{
		{"unknown name", "steem", "", true},
		{"empty name", "", "", true},
		{"short hex", "beeab0de", "", true},
		{"non-hex 64 chars", "zzeab0de00000000000000000000000000000000000000000000000000000000", "", true},
		{"prefix with space", "hive", "ST M", false},
		{"prefix too long", "hive", "ABCDEFGHIJKLMNOPQ", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Lookup(tt.arg, tt.prefix)
			if err == nil {
				t.Fatal("no error")
			}
			if errors.Is(err, ErrUnknownChain) != tt.unknown {
				t.Errorf("errors.Is(ErrUnknownChain) = %v: %v", !tt.unknown, err)
			}
		})
	}
}

func TestSymbols(t *testing.T) {
	c, _ := Lookup("hive", "")
	tests := []struct {
		in, name, wire string
		precision      uint8
	}{
		{"HIVE", "HIVE", "STEEM", 3},
		{"STEEM", "HIVE", "STEEM", 3},
		{"HBD", "HBD", "SBD", 3},
		{"SBD", "HBD", "SBD", 3},
		{"VESTS", "VESTS", "VESTS", 6},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			s, ok := c.SymbolByName(tt.in)
			if !ok || s.Name != tt.name || s.Wire != tt.wire || s.Precision != tt.precision {
				t.Errorf("got %+v, %v", s, ok)
			}
		})
	}
	if _, ok := c.SymbolByName("TESTS"); ok {
		t.Error("mainnet accepts TESTS")
	}
	tc, _ := Lookup("hive-testnet", "")
	if _, ok := tc.SymbolByName("HIVE"); ok {
		t.Error("testnet accepts HIVE")
	}
	if s, ok := tc.SymbolByNAI("@@000000013"); !ok || s.Name != "TBD" {
		t.Errorf("testnet NAI lookup: %+v", s)
	}
}

func TestLookupReturnsCopies(t *testing.T) {
	a, _ := Lookup("hive", "")
	a.Symbols[0].Name = "EVIL"
	a.ID[0] = 0
	b, _ := Lookup("hive", "")
	if b.Symbols[0].Name != "HIVE" || b.ID[0] != 0xbe {
		t.Error("Lookup shares state between callers")
	}
	n := Names()
	n[0] = "x"
	if Names()[0] != "hive" {
		t.Error("Names shares its slice")
	}
}
