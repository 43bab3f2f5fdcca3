package app

import (
	_ "embed"
	"fmt"
	"net"
	"net/url"
	"strings"
)

//go:embed knownhosts.txt
var knownHostsText string

// knownHosts are the dapp hosts look-alikes are checked against.
var knownHosts = parseHostList(knownHostsText)

func parseHostList(s string) []string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line != "" && !strings.HasPrefix(line, "#") {
			out = append(out, strings.ToLower(line))
		}
	}
	return out
}

// originWarnings returns what a person should know about an origin before
// trusting it, most serious first: an address that cannot be read, plain
// http to another machine (anyone on the network can read or change the
// page), international characters that can imitate letters, and a host
// that looks like one of known but is not it. Loopback origins (a dapp the
// user runs on this machine) get no look-alike check, only the warning that
// any local program may hold their port.
func originWarnings(origin string, known []string) []string {
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return []string{"The site's address cannot be read. Do not approve."}
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if isLoopbackHost(host) {
		// No look-alike check: the user runs it. But a port on this
		// computer is anyone's to take, so the answer may not reach
		// the program the user means.
		return []string{"This site runs on this computer (" + clean(u.Host, 60) + "): any program on this computer can receive this answer, " +
			"not only the one you started. Approve only if you started it just now."}
	}
	var out []string
	if u.Scheme == "http" {
		out = append(out, "This site uses plain http: anyone on your network can read or change what it does. Real dapps use https.")
	}
	if isInternational(host) {
		out = append(out, "The address uses international characters (shown as xn-- or non-Latin letters) that can imitate other letters. Check it very carefully.")
	}
	if k, ok := lookalike(host, known); ok {
		out = append(out, fmt.Sprintf("This address looks like %s but is not it. Fake sites copy the names of real ones: check the address in your browser.", k))
	}
	return out
}

func isLoopbackHost(host string) bool {
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

func isInternational(host string) bool {
	for _, label := range strings.Split(host, ".") {
		if strings.HasPrefix(label, "xn--") {
			return true
		}
	}
	for _, r := range host {
		if r >= 0x80 {
			return true
		}
	}
	return false
}

// lookalike reports the known host that host imitates. A known host or a
// subdomain of one is genuine. Otherwise host imitates k when, with
// look-alike characters folded (0→o, rn→m, Cyrillic а→a, …), it is within
// two edits of k, or when it carries k's name (of five letters or more)
// under another domain ("peakd.net", "peakd.com.evil.io", "login-peakd.io").
func lookalike(host string, known []string) (string, bool) {
	h := strings.TrimPrefix(host, "www.")
	for _, k := range known {
		if h == k || strings.HasSuffix(h, "."+k) {
			return "", false
		}
	}
	h = punycodeBasic(h)
	hs := skeleton(h)
	labels := strings.Split(hs, ".")
	if len(labels) > 1 {
		labels = labels[:len(labels)-1] // the top-level domain carries no name
	}
	for _, k := range known {
		ks := skeleton(k)
		if editDistance(h, k) <= 2 || editDistance(hs, ks) <= 2 {
			return k, true
		}
		name := strings.SplitN(ks, ".", 2)[0]
		if len([]rune(name)) < 5 {
			continue // short names ("hive") are parts of many honest hosts
		}
		for _, l := range labels {
			if strings.Contains(l, name) {
				return k, true
			}
		}
	}
	return "", false
}

// punycodeBasic replaces each punycode label (xn--pakd-hqa) by its ASCII
// letters (pakd): without decoding, that is what a look-alike shares with
// the name it imitates.
func punycodeBasic(host string) string {
	labels := strings.Split(host, ".")
	for i, l := range labels {
		if rest, ok := strings.CutPrefix(l, "xn--"); ok {
			if j := strings.LastIndexByte(rest, '-'); j >= 0 {
				labels[i] = rest[:j]
			} else {
				labels[i] = ""
			}
		}
	}
	return strings.Join(labels, ".")
}

// confusable folds characters that look alike into one of them. Only the
// common cases: digits for letters, and Cyrillic and Greek letters that are
// drawn like Latin ones.
var confusable = map[rune]rune{
	'0': 'o', '1': 'l', 'i': 'l', '|': 'l', '!': 'l', '3': 'e', '4': 'a', '5': 's', '7': 't', '8': 'b', '9': 'g',
	'а': 'a', 'е': 'e', 'о': 'o', 'р': 'p', 'с': 'c', 'у': 'y', 'х': 'x', 'і': 'l', 'ј': 'j', 'ѕ': 's',
	'ԁ': 'd', 'к': 'k', 'м': 'm', 'т': 't', 'в': 'b', 'н': 'h', 'ո': 'n', 'ɡ': 'g',
	'α': 'a', 'ο': 'o', 'ρ': 'p', 'ν': 'v', 'κ': 'k', 'ι': 'l', 'τ': 't', 'ε': 'e',
}

// skeleton maps s to a form in which look-alike strings are equal.
func skeleton(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if c, ok := confusable[r]; ok {
			r = c
		}
		b.WriteRune(r)
	}
	return strings.NewReplacer("rn", "m", "vv", "w", "cl", "d").Replace(b.String())
}

// editDistance is the Levenshtein distance between a and b, in runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
