package tx

import (
	"errors"
	"fmt"
)

// Hive account name limits (HIVE_MIN_ACCOUNT_NAME_LENGTH,
// HIVE_MAX_ACCOUNT_NAME_LENGTH).
const (
	minAccountName = 3
	maxAccountName = 16
)

// ValidateAccountName applies hived's is_valid_account_name: 3 to 16
// characters; dot-separated segments of at least 3 characters, each starting
// with a lower-case letter, ending with a letter or digit, and containing only
// lower-case letters, digits and '-'. A signer checks this itself because an
// invalid name in a signed transaction is at best a rejected transaction and
// at worst a look-alike of the account the user meant.
func ValidateAccountName(name string) error {
	if len(name) < minAccountName || len(name) > maxAccountName {
		return fmt.Errorf("account name %q: must be %d to %d characters", name, minAccountName, maxAccountName)
	}
	start := 0
	for start <= len(name) {
		end := start
		for end < len(name) && name[end] != '.' {
			end++
		}
		if err := validSegment(name[start:end]); err != nil {
			return fmt.Errorf("account name %q: %w", name, err)
		}
		start = end + 1
	}
	return nil
}

func validSegment(seg string) error {
	if len(seg) < 3 {
		return errors.New("each dot-separated part must have at least 3 characters")
	}
	if c := seg[0]; c < 'a' || c > 'z' {
		return errors.New("each part must start with a lower-case letter")
	}
	if c := seg[len(seg)-1]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
		return errors.New("each part must end with a lower-case letter or digit")
	}
	for i := 1; i < len(seg)-1; i++ {
		if c := seg[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return fmt.Errorf("invalid character %q", c)
		}
	}
	return nil
}
