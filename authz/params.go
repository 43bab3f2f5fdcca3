package authz

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/url"
	"strings"
	"unicode/utf8"
)

// Parameter parsing shared by every endpoint. Strict on purpose: a repeated
// parameter is an error (RFC 6749 §3.1, §3.2), invalid UTF-8 is an error,
// JSON bodies must be one flat object of strings with no unknown members and
// nothing after it.

// maxParamLen bounds a single parameter value.
const maxParamLen = 4096

// params is a parsed set of request parameters, one value each.
type params map[string]string

// parseQuery reads a URL query or form body. Unknown parameters are kept
// (RFC 6749 says to ignore them; callers just never read them) but count
// toward the strictness rules.
func parseQuery(raw string) (params, error) {
	if !utf8.ValidString(raw) {
		return nil, oauthErr(CodeInvalidRequest, "request is not valid UTF-8")
	}
	vals, err := url.ParseQuery(raw)
	if err != nil {
		return nil, oauthErr(CodeInvalidRequest, "malformed parameters")
	}
	p := make(params, len(vals))
	for k, vs := range vals {
		if len(vs) != 1 {
			return nil, oauthErr(CodeInvalidRequest, "parameter %s is repeated", printable(k))
		}
		v := vs[0]
		if !utf8.ValidString(k) || !utf8.ValidString(v) {
			return nil, oauthErr(CodeInvalidRequest, "parameters are not valid UTF-8")
		}
		if len(v) > maxParamLen {
			return nil, oauthErr(CodeInvalidRequest, "parameter %s is too long", printable(k))
		}
		p[k] = v
	}
	return p, nil
}

// parseFlatJSON reads a JSON object whose members are all strings, each
// named in known, each at most once, with nothing after the object.
func parseFlatJSON(body []byte, known []string) (params, error) {
	bad := oauthErr(CodeInvalidRequest, "malformed JSON body")
	if !utf8.Valid(body) {
		return nil, oauthErr(CodeInvalidRequest, "request is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		return nil, bad
	}
	p := make(params)
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return nil, bad
		}
		k, _ := kt.(string)
		if !contains(known, k) {
			return nil, oauthErr(CodeInvalidRequest, "unknown member %s", printable(k))
		}
		if _, dup := p[k]; dup {
			return nil, oauthErr(CodeInvalidRequest, "member %s is repeated", k)
		}
		vt, err := dec.Token()
		if err != nil {
			return nil, bad
		}
		v, ok := vt.(string)
		if !ok {
			return nil, oauthErr(CodeInvalidRequest, "member %s must be a string", k)
		}
		if len(v) > maxParamLen {
			return nil, oauthErr(CodeInvalidRequest, "member %s is too long", k)
		}
		p[k] = v
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return nil, bad
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, oauthErr(CodeInvalidRequest, "data after the JSON object")
	}
	return p, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// parseBody reads a POST body as form (application/x-www-form-urlencoded,
// RFC 6749's format) or JSON (what Hivesigner's clients send).
func parseBody(contentType string, body []byte, jsonKnown []string) (params, error) {
	mt, mp, err := mime.ParseMediaType(contentType)
	if err != nil {
		return nil, oauthErr(CodeInvalidRequest, "missing or malformed Content-Type")
	}
	if cs, ok := mp["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return nil, oauthErr(CodeInvalidRequest, "charset must be UTF-8")
	}
	switch mt {
	case "application/x-www-form-urlencoded":
		return parseQuery(string(body))
	case "application/json":
		return parseFlatJSON(body, jsonKnown)
	}
	return nil, oauthErr(CodeInvalidRequest, "Content-Type must be application/x-www-form-urlencoded or application/json")
}

// AuthMethod is how a client authenticated at the token endpoint.
type AuthMethod string

// Client authentication methods (RFC 8414 names).
const (
	AuthNone   AuthMethod = "none"
	AuthBasic  AuthMethod = "client_secret_basic"
	AuthPost   AuthMethod = "client_secret_post"
	authAbsent AuthMethod = ""
)

// ClientCredentials are what a request says about its client. Nothing is
// verified yet: Issuer.Authenticate does that.
type ClientCredentials struct {
	ID     string
	Secret string
	Method AuthMethod // authAbsent when no client_id was given at all
}

// clientCredentials extracts client authentication from an Authorization
// header (HTTP Basic, RFC 6749 §2.3.1: both parts form-encoded) and the
// client_id/client_secret parameters. Using two methods at once is an error
// (RFC 6749 §2.3).
func clientCredentials(p params, authorization string) (ClientCredentials, error) {
	var c ClientCredentials
	if authorization != "" {
		scheme, rest, _ := strings.Cut(authorization, " ")
		if !strings.EqualFold(scheme, "Basic") {
			return c, oauthErr(CodeInvalidClient, "unsupported Authorization scheme")
		}
		raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(rest))
		if err != nil {
			return c, oauthErr(CodeInvalidClient, "malformed Basic credentials")
		}
		id, secret, ok := strings.Cut(string(raw), ":")
		if !ok {
			return c, oauthErr(CodeInvalidClient, "malformed Basic credentials")
		}
		if id, err = url.QueryUnescape(id); err != nil {
			return c, oauthErr(CodeInvalidClient, "malformed Basic credentials")
		}
		if secret, err = url.QueryUnescape(secret); err != nil {
			return c, oauthErr(CodeInvalidClient, "malformed Basic credentials")
		}
		if _, has := p["client_secret"]; has {
			return c, oauthErr(CodeInvalidRequest, "more than one client authentication method")
		}
		if pid, has := p["client_id"]; has && pid != id {
			return c, oauthErr(CodeInvalidRequest, "client_id differs from the Basic credentials")
		}
		if !validClientID(id) || !utf8.ValidString(secret) || len(secret) > maxSecretLen {
			return c, oauthErr(CodeInvalidClient, "malformed Basic credentials")
		}
		if secret == "" {
			// golang.org/x/oauth2 and others send a public client's id
			// this way, with an empty password.
			return ClientCredentials{ID: id, Method: AuthNone}, nil
		}
		return ClientCredentials{ID: id, Secret: secret, Method: AuthBasic}, nil
	}
	id, hasID := p["client_id"]
	secret, hasSecret := p["client_secret"]
	switch {
	case hasSecret && !hasID:
		return c, oauthErr(CodeInvalidRequest, "client_secret without client_id")
	case !hasID:
		return c, nil
	case !validClientID(id):
		return c, oauthErr(CodeInvalidClient, "malformed client_id")
	case hasSecret && secret != "":
		return ClientCredentials{ID: id, Secret: secret, Method: AuthPost}, nil
	}
	return ClientCredentials{ID: id, Method: AuthNone}, nil
}

// validClientID accepts 1 to 64 characters from A-Z a-z 0-9 . _ - : Hive
// account names (what Hivesigner uses as app ids) and our app ids fit.
func validClientID(id string) bool { return idChars(id, 64) }

// idChars reports whether s is 1 to max characters from A-Z a-z 0-9 . _ -,
// the alphabet of client ids and custom_json ids alike.
func idChars(s string, max int) bool {
	if len(s) == 0 || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// validAccount is a cheap shape check for a Hive account name or Graphene
// account id hint; whether the vault holds keys for it is checked later.
func validAccount(a string) bool {
	if len(a) < 3 || len(a) > 16 {
		return false
	}
	for i := 0; i < len(a); i++ {
		c := a[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

// ValidAccount is validAccount for other packages.
func ValidAccount(a string) bool { return validAccount(a) }
