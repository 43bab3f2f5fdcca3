package cli

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// runForget is "localsigner forget GRANT_ID [OPERATION [TO]]": remove the
// "don't ask again" entries the user ticked when confirming a grant's
// transactions, so that the next such transaction asks again. Without an
// operation every entry of the grant goes; without TO, every counterparty
// of the operation.
func runForget(env Env, args []string) error {
	fs, dataDir, _ := adminFlags(env, "localsigner forget", "GRANT_ID [OPERATION [TO]] [--data-dir DIR]", false)
	pos, err := parseMixed(fs, args, -1)
	if err != nil {
		return err
	}
	if len(pos) < 1 || len(pos) > 3 {
		return fmt.Errorf("%w: forget needs GRANT_ID, optionally an OPERATION and its TO account", errUsage)
	}
	op, to := "", ""
	if len(pos) > 1 {
		op, to = pos[1], "*"
	}
	if len(pos) > 2 {
		to = pos[2]
	}
	c, err := adminClient(*dataDir)
	if err != nil {
		return err
	}
	n, err := c.ForgetNoAsk(pos[0], op, to)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "removed %d don't-ask-again entr%s of %s; those transactions ask again\n", n, plural(n, "y", "ies"), pos[0])
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// parseDays reads a duration as time.ParseDuration does, and also whole
// days ("7d"), which is how people say how long to trust a dapp.
func parseDays(s string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n <= 0 || n > 366 {
			return 0, fmt.Errorf("%q: want a number of days such as 7d", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q: want a duration such as 1h, 1d or 7d", s)
	}
	if d <= 0 {
		return 0, errors.New("the duration must be positive")
	}
	return d, nil
}
