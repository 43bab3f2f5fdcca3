//go:build !linux

package admin

import "net"

// peerAllowed relies on the socket's mode and its private directory where
// the peer's credentials are not read (see peer_linux.go).
func peerAllowed(net.Conn) error { return nil }
