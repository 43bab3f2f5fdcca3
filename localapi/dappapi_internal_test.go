package localapi

import (
	"encoding/json"
	"testing"
)

// TestAppendJSONString: the hand-written /api/me encoder escapes ASCII as
// encoding/json does.
func TestAppendJSONString(t *testing.T) {
	for _, s := range []string{"", "alice", `a"b\c`, "<script>&", "tab\there\nnl\x01\x1f", "custom_json:follow"} {
		want, _ := json.Marshal(s)
		if got := appendJSONString(nil, s); string(got) != string(want) {
			t.Errorf("%q: got %s, want %s", s, got, want)
		}
	}
}
