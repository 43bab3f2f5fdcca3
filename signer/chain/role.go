package chain

import "fmt"

// Role is the authority level an operation needs from an account: posting,
// active or owner, in increasing power. It lives with the chain parameters,
// at the bottom of the import graph, so that the transaction layer (which
// picks keys by it) and the grant model (which grants scopes at it) share
// one definition without depending on each other.
type Role int

const (
	// Posting covers social actions: votes, posts, most custom_json.
	Posting Role = iota + 1
	// Active covers funds and most account settings.
	Active
	// Owner covers changing the owner key and account recovery.
	Owner
)

// String returns "posting", "active" or "owner".
func (r Role) String() string {
	switch r {
	case Posting:
		return "posting"
	case Active:
		return "active"
	case Owner:
		return "owner"
	}
	return fmt.Sprintf("Role(%d)", int(r))
}
