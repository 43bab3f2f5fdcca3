package app

// The devnet runs in one of two dialects (Options.DevnetDialect); these
// helpers let the screens tell a Peerplays devnet from a Hive one while the
// keys of both are filed under NetworkDevnet.

// peerplays reports whether network is a Peerplays chain in this run:
// Peerplays itself, or the devnet in its Peerplays dialect. Peerplays
// accounts have no posting authority, so no posting key is asked for.
func (u *UI) peerplays(network string) bool {
	switch network {
	case NetworkPeerplays:
		return true
	case NetworkDevnet:
		return u.opts.DevnetDialect == NetworkPeerplays
	}
	return false
}

// networkLabel names network for the header and the key import: as
// networkText, but saying which chain the devnet imitates when it is
// Peerplays.
func (u *UI) networkLabel(network string) string {
	if network == NetworkDevnet && u.peerplays(network) {
		return "Peerplays devnet (local test chain)"
	}
	return networkText(network)
}
