//go:build !linux

package procenv

// scrubInitial has nothing to clear where other processes cannot read a
// process's starting environment.
func scrubInitial(string) (bool, error) { return false, nil }
