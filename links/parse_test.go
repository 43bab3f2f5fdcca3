package links

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"
)

// b64u is the spec's base64url ("=" written ".").
func b64u(s string) string {
	return strings.ReplaceAll(base64.URLEncoding.EncodeToString([]byte(s)), "=", ".")
}

// Every class of bad link gets ErrBadLink with a reason that names the
// problem.
func TestParseRefusals(t *testing.T) {
	op := b64u(`["vote",{"voter":"__signer","author":"bob","permlink":"p","weight":10000}]`)
	cases := []struct{ name, uri, want string }{
		{"other scheme", "steem://sign/op/" + op, "does not start with hive://"},
		{"deep link, not a signing action", "hive://open/post/alice/p", "not an action"},
		{"unknown signing action", "hive://sign/login/" + op, "not a signing action"},
		{"no payload", "hive://sign/op", "no payload"},
		{"bad base64", "hive://sign/op/***", "not base64url"},
		{"bad JSON", "hive://sign/op/" + b64u(`["vote",{`), "not JSON"},
		{"op that is not an operation", "hive://sign/op/" + b64u(`{"voter":"a"}`), "one operation"},
		{"empty ops", "hive://sign/ops/" + b64u(`[]`), "list of operations"},
		{"tx without operations", "hive://sign/tx/" + b64u(`{"operations":[]}`), "no operations"},
		{"signed tx", "hive://sign/tx/" + b64u(`{"operations":[["vote",{}]],"signatures":["1f"]}`), "signed already"},
		{"oversize", "hive://sign/op/" + strings.Repeat("A", MaxLength), "more than"},
		{"space inside", "hive://sign/op/" + op + " x", "spaces"},
		{"fragment", "hive://sign/op/" + op + "#x", "fragment"},
		{"owner authority", "hive://sign/op/" + op + "?a=owner", "owner key"},
		{"unknown authority", "hive://sign/op/" + op + "?a=memo", "not an authority"},
		{"repeated parameter", "hive://sign/op/" + op + "?s=alice&s=bob", "appears twice"},
		{"http callback", "hive://sign/op/" + op + "?cb=" + b64u("http://shop.example/done"), "not https"},
		{"javascript callback", "hive://sign/op/" + op + "?cb=" + b64u("javascript:alert(1)"), "not https"},
		{"data callback", "hive://sign/op/" + op + "?cb=" + b64u("data:text/html,hi"), "not https"},
		{"callback with credentials", "hive://sign/op/" + op + "?cb=" + b64u("https://u:p@shop.example/"), "user name"},
		{"template in the callback's host", "hive://sign/op/" + op + "?cb=" + b64u("https://{{id}}.shop.example/"), "host"},
		{"callback not base64", "hive://sign/op/" + op + "?cb=%%%", "escaped"},
		{"transfer without amount", "hive://sign/transfer/bob", "transfer/<to>/<amount>"},
		{"follow with two names", "hive://sign/follow/bob/carol", "follow/<account>"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.uri)
			if !errors.Is(err, ErrBadLink) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Parse = %v, want ErrBadLink saying %q", err, tc.want)
			}
		})
	}
}

// The shortcuts the spec documents (and the reference decoder throws on)
// become the operations they stand for, from the signer.
func TestShortcuts(t *testing.T) {
	l, err := Parse("hive://sign/transfer/bob/1.000%20HIVE/" + b64u("for the pizza"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := l.Resolve(Head{Signer: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(r.Operations), `[["transfer",{"amount":"1.000 HIVE","from":"alice","memo":"for the pizza","to":"bob"}]]`; got != want {
		t.Fatalf("transfer shortcut: %s, want %s", got, want)
	}
	l, err = Parse("hive://sign/follow/bob")
	if err != nil {
		t.Fatal(err)
	}
	if r, err = l.Resolve(Head{Signer: "alice"}); err != nil {
		t.Fatal(err)
	}
	want := `[["custom_json",{"id":"follow","json":"[\"follow\",{\"follower\":\"alice\",\"following\":\"bob\",\"what\":[\"blog\"]}]","required_auths":[],"required_posting_auths":["alice"]}]]`
	if string(r.Operations) != want {
		t.Fatalf("follow shortcut: %s, want %s", r.Operations, want)
	}
	if r.HeaderFromLink {
		t.Fatal("a shortcut fixed the header")
	}
}

// Parameters, placeholders anywhere in strings, and callback templates.
func TestParamsPlaceholdersCallback(t *testing.T) {
	op := b64u(`["transfer",{"from":"__signer","to":"shop","amount":"5.000 HBD","memo":"order 7 by __signer, ref __ref_block_num"}]`)
	l, err := Parse("hive://sign/op/" + op + "?nb=&s=alice&a=active&cb=" + b64u("https://shop.example/paid?sig={{sig}}&id={{id}}&b={{block}}"))
	if err != nil {
		t.Fatal(err)
	}
	if l.Signer != "alice" || l.Authority != "active" || !l.NoBroadcast || l.Callback.Host != "shop.example" {
		t.Fatalf("params %+v", l)
	}
	exp := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	r, err := l.Resolve(Head{Signer: "alice", RefBlockNum: 42, RefBlockPrefix: 7, Expiration: exp})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(r.Operations), `"memo":"order 7 by alice, ref 42"`) || !l.opsUseHeader() {
		t.Fatalf("placeholders in a memo: %s", r.Operations)
	}
	if got := l.CallbackURL(Confirmation{Sig: "1f00"}); got != "https://shop.example/paid?sig=1f00&id=&b=" {
		t.Fatalf("sign-only callback %q", got)
	}
	if got := l.CallbackURL(Confirmation{Sig: "1f00", ID: "abc", Block: 9}); got != "https://shop.example/paid?sig=1f00&id=abc&b=9" {
		t.Fatalf("broadcast callback %q", got)
	}
	// A whole transaction fixes its header, or leaves all of it.
	tx := b64u(`{"ref_block_num":1,"ref_block_prefix":2,"expiration":"2026-12-07T12:01:00","extensions":[],"operations":[["vote",{"voter":"__signer","author":"bob","permlink":"p","weight":100}]]}`)
	l, err = Parse("hive://sign/tx/" + tx)
	if err != nil {
		t.Fatal(err)
	}
	if r, err = l.Resolve(Head{Signer: "alice"}); err != nil || !r.HeaderFromLink || r.RefBlockNum != 1 || r.RefBlockPrefix != 2 ||
		!r.Expiration.Equal(exp.Add(time.Minute)) {
		t.Fatalf("fixed header: %+v %v", r, err)
	}
	half := b64u(`{"ref_block_num":1,"ref_block_prefix":"__ref_block_prefix","expiration":"__expiration","operations":[["vote",{}]]}`)
	if l, err = Parse("hive://sign/tx/" + half); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Resolve(Head{Signer: "alice"}); !errors.Is(err, ErrBadLink) {
		t.Fatalf("half a header: %v", err)
	}
}
