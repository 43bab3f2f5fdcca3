//go:build unix

package datadir

import (
	"fmt"
	"os"
	"syscall"
)

func ownedByMe(fi os.FileInfo) error {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	if uid := os.Getuid(); int(st.Uid) != uid {
		return fmt.Errorf("owned by user %d, not by you (%d)", st.Uid, uid)
	}
	return nil
}
