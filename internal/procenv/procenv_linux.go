//go:build linux

package procenv

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// scrubInitial overwrites the value of name in the environment block the
// kernel set up at exec (env_start to env_end in /proc/self/stat, fields
// 50 and 51 of proc(5)) through /proc/self/mem, which a process may write
// in its own memory. Go copied the environment at start and never reads
// that block again, so nothing in the process depends on it.
func scrubInitial(name string) (bool, error) {
	stat, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return false, fmt.Errorf("read /proc/self/stat: %w", err)
	}
	// The command name (field 2) is in parentheses and may hold spaces:
	// count the fields after its closing one, which is field 3.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return false, fmt.Errorf("/proc/self/stat: no command name")
	}
	fields := strings.Fields(string(stat[i+1:]))
	const envStart, envEnd = 50, 51
	if len(fields) < envEnd-2 {
		return false, fmt.Errorf("/proc/self/stat: %d fields, want %d", len(fields)+2, envEnd)
	}
	start, err1 := strconv.ParseInt(fields[envStart-3], 10, 64)
	end, err2 := strconv.ParseInt(fields[envEnd-3], 10, 64)
	if err1 != nil || err2 != nil || end <= start || end-start > 1<<24 {
		return false, fmt.Errorf("/proc/self/stat: environment at %q..%q", fields[envStart-3], fields[envEnd-3])
	}
	mem, err := os.OpenFile("/proc/self/mem", os.O_RDWR, 0)
	if err != nil {
		return false, fmt.Errorf("open /proc/self/mem: %w", err)
	}
	defer mem.Close()
	block := make([]byte, end-start)
	if _, err := mem.ReadAt(block, start); err != nil {
		return false, fmt.Errorf("read the environment block: %w", err)
	}
	prefix := []byte(name + "=")
	found := false
	for off := 0; off < len(block); {
		n := bytes.IndexByte(block[off:], 0)
		if n < 0 {
			n = len(block) - off
		}
		if entry := block[off : off+n]; bytes.HasPrefix(entry, prefix) && len(entry) > len(prefix) {
			value := make([]byte, len(entry)-len(prefix)) // zeros
			if _, err := mem.WriteAt(value, start+int64(off+len(prefix))); err != nil {
				return false, fmt.Errorf("clear %s in the environment block: %w", name, err)
			}
			clear(entry[len(prefix):])
			found = true
		}
		off += n + 1
	}
	return found, nil
}
