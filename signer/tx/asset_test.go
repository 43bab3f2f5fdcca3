package tx

import (
	"math"
	"strings"
	"testing"
)

func TestParseAsset(t *testing.T) {
	hive := mustChain(t, "hive", "")
	testnet := mustChain(t, "hive-testnet", "")
	tests := []struct {
		name, in string
		testnet  bool
		want     Asset
		err      string // substring of the error; empty for success
	}{
		{"hive", "1.000 HIVE", false, Asset{1000, 3, "HIVE"}, ""},
		{"steem alias", "1.000 STEEM", false, Asset{1000, 3, "HIVE"}, ""},
		{"sbd alias", "0.001 SBD", false, Asset{1, 3, "HBD"}, ""},
		{"vests", "123456.789012 VESTS", false, Asset{123456789012, 6, "VESTS"}, ""},
		{"above 2^53 exactly", "9007199254.740993 VESTS", false, Asset{9007199254740993, 6, "VESTS"}, ""},
		{"max int64", "9223372036854.775807 VESTS", false, Asset{math.MaxInt64, 6, "VESTS"}, ""},
		{"min int64", "-9223372036854.775808 VESTS", false, Asset{math.MinInt64, 6, "VESTS"}, ""},
		{"negative", "-1.500 HIVE", false, Asset{-1500, 3, "HIVE"}, ""},
		{"leading zeros", "007.000 HBD", false, Asset{7000, 3, "HBD"}, ""},
		{"testnet", "1.000 TESTS", true, Asset{1000, 3, "TESTS"}, ""},
		{"overflow", "9223372036854.775808 VESTS", false, Asset{}, "amount out of range"},
		{"huge", "99999999999999999999.000 HIVE", false, Asset{}, "amount out of range"},
		{"too few decimals", "1.0 HIVE", false, Asset{}, "expected 3 decimals"},
		{"too many decimals", "1.0000 HIVE", false, Asset{}, "expected 3 decimals"},
		{"no decimals", "1 HIVE", false, Asset{}, "expected 3 decimals"},
		{"no integer part", ".500 HIVE", false, Asset{}, "not a decimal number"},
		{"plus sign", "+1.000 HIVE", false, Asset{}, "not a decimal number"},
		{"exponent", "1e3 HIVE", false, Asset{}, "not a decimal number"},
		{"two spaces", "1.000  HIVE", false, Asset{}, "want \"<amount> <SYMBOL>\""},
		{"leading space", " 1.000 HIVE", false, Asset{}, "want \"<amount> <SYMBOL>\""},
		{"no symbol", "1.000", false, Asset{}, "want \"<amount> <SYMBOL>\""},
		{"lower-case symbol", "1.000 hive", false, Asset{}, "unknown asset symbol"},
		{"mainnet symbol on testnet", "1.000 HIVE", true, Asset{}, "unknown asset symbol"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := hive
			if tt.testnet {
				c = testnet
			}
			got, err := ParseAsset(c, tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("got %v, %v; want error containing %q", got, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestAssetString(t *testing.T) {
	tests := []struct {
		in   Asset
		want string
	}{
		{Asset{10000, 3, "HIVE"}, "10.000 HIVE"},
		{Asset{1, 3, "HBD"}, "0.001 HBD"},
		{Asset{0, 6, "VESTS"}, "0.000000 VESTS"},
		{Asset{-1500, 3, "HIVE"}, "-1.500 HIVE"},
		{Asset{math.MinInt64, 6, "VESTS"}, "-9223372036854.775808 VESTS"},
		{Asset{42, 0, "X"}, "42 X"},
	}
	for _, tt := range tests {
		if got := tt.in.String(); got != tt.want {
			t.Errorf("%+v: got %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestGrapheneAssetFormat(t *testing.T) {
	ppy := mustChain(t, "peerplays", "")
	core := GrapheneAsset{Amount: 2000000, AssetID: NewObjectID(AssetObject, 0)}
	if got := core.Format(ppy); got != "20.00000 PPY" {
		t.Errorf("core: %q", got)
	}
	other := GrapheneAsset{Amount: 5, AssetID: NewObjectID(AssetObject, 1)}
	if got := other.Format(ppy); got != "5 1.3.1" {
		t.Errorf("other: %q", got)
	}
}

func TestValidateAccountName(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"abc", true},
		{"alice", true},
		{"carol.test", true},
		{"hive.fund", true},
		{"a-b-c", true},
		{"a--b", true},
		{"abc123", true},
		{"abcdefghijklmnop", true},
		{"ab", false},
		{"abcdefghijklmnopq", false},
		{"Alice", false},
		{"1abc", false},
		{"abc-", false},
		{"ab.cde", false},
		{"abc.de", false},
		{".abc", false},
		{"abc.", false},
		{"abc..def", false},
		{"ab_c", false},
		{"abé", false},
		{"", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateAccountName(tt.name)
			if (err == nil) != tt.ok {
				t.Errorf("ValidateAccountName(%q) = %v, want ok=%v", tt.name, err, tt.ok)
			}
		})
	}
}

func TestObjectAndVoteIDs(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{"1.2.0", true},
		{"1.2.281474976710655", true},
		{"1.2.281474976710656", false},
		{"1.2", false},
		{"1.2.x", false},
		{"256.2.1", false},
		{"1.2.-1", false},
		{"1..1", false},
	}
	for _, tt := range tests {
		id, err := ParseObjectID(tt.in)
		if (err == nil) != tt.ok {
			t.Errorf("ParseObjectID(%q) = %v", tt.in, err)
		}
		if err == nil && id.String() != tt.in {
			t.Errorf("ParseObjectID(%q).String() = %q", tt.in, id)
		}
	}
	votes := []struct {
		in string
		ok bool
	}{
		{"1:3", true},
		{"0:0", true},
		{"5:16777215", true},
		{"6:1", false},
		{"1:16777216", false},
		{"1", false},
		{"1:", false},
		{"a:1", false},
	}
	for _, tt := range votes {
		v, err := ParseVoteID(tt.in)
		if (err == nil) != tt.ok {
			t.Errorf("ParseVoteID(%q) = %v", tt.in, err)
		}
		if err == nil && v.String() != tt.in {
			t.Errorf("ParseVoteID(%q).String() = %q", tt.in, v)
		}
	}
	if NewVoteID(1, 3) != 0x301 {
		t.Errorf("NewVoteID(1, 3) = %#x", uint32(NewVoteID(1, 3)))
	}
}
