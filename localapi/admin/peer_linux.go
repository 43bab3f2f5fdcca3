//go:build linux

package admin

import (
	"fmt"
	"net"
	"os"
	"syscall"
)

// peerAllowed checks, with SO_PEERCRED, that the process at the other end
// of conn runs as this user (or root). The socket's mode and its 0700
// directory already keep others out; this holds even if either is
// loosened by someone later.
func peerAllowed(conn net.Conn) error {
	uc, ok := conn.(*net.UnixConn)
	if !ok {
		return nil
	}
	raw, err := uc.SyscallConn()
	if err != nil {
		return err
	}
	var cred *syscall.Ucred
	var credErr error
	if err := raw.Control(func(fd uintptr) {
		cred, credErr = syscall.GetsockoptUcred(int(fd), syscall.SOL_SOCKET, syscall.SO_PEERCRED)
	}); err != nil {
		return err
	}
	if credErr != nil {
		return fmt.Errorf("read the peer's credentials: %w", credErr)
	}
	if me := os.Getuid(); int(cred.Uid) != me && cred.Uid != 0 {
		return fmt.Errorf("connection from user %d refused: the admin socket is for user %d", cred.Uid, me)
	}
	return nil
}
