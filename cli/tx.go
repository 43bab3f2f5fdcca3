package cli

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"localsigner/signer"
	"localsigner/signer/chain"
	"localsigner/signer/tx"
)

// maxTxJSON caps a transaction read from stdin. Nodes refuse transactions
// above the block size (64 KiB on Hive today); JSON with hex is larger, but
// nothing legitimate comes near this.
const maxTxJSON = 4 << 20

func runTx(env Env, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: tx needs a subcommand: digest or sign", errUsage)
	}
	switch args[0] {
	case "digest":
		return runTxDigest(env, args[1:])
	case "sign":
		return runTxSign(env, args[1:])
	case "-h", "--help", "help":
		fmt.Fprintln(env.Stdout, "Usage:")
		fmt.Fprintln(env.Stdout, "  localsigner tx digest --chain CHAIN [--prefix P] < tx.json")
		fmt.Fprintln(env.Stdout, "  localsigner tx sign --chain CHAIN [--prefix P] --wif-file FILE < tx.json")
		fmt.Fprintf(env.Stdout, "CHAIN is one of %s, or a 64-hex chain id.\n", strings.Join(chain.Names(), ", "))
		return nil
	default:
		return fmt.Errorf("%w: unknown tx subcommand %q (digest or sign)", errUsage, args[0])
	}
}

// chainFlags registers --chain and --prefix, shared by every command that
// needs a chain.
func chainFlags(fsName string, env Env, synopsis string) (*chainSel, *flag.FlagSet) {
	fs := newFlagSet(env, fsName, synopsis)
	sel := &chainSel{}
	fs.StringVar(&sel.name, "chain", "", "chain: "+strings.Join(chain.Names(), ", ")+", or a 64-hex chain id")
	fs.StringVar(&sel.prefix, "prefix", "", "public key prefix, if not the chain's default")
	return sel, fs
}

type chainSel struct{ name, prefix string }

func (s *chainSel) lookup() (*chain.Chain, error) {
	if s.name == "" {
		return nil, fmt.Errorf("%w: --chain is required (%s, or a 64-hex chain id)", errUsage, strings.Join(chain.Names(), ", "))
	}
	c, err := chain.Lookup(s.name, s.prefix)
	if err != nil {
		return nil, fmt.Errorf("%w: --chain: %v", errUsage, err)
	}
	return c, nil
}

// readTx reads and decodes the transaction JSON on stdin.
func readTx(env Env, c *chain.Chain) (*tx.Transaction, error) {
	data, err := readLimited(env.Stdin, maxTxJSON, "transaction from stdin")
	if err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("no transaction on stdin")
	}
	t, err := tx.Decode(c, data)
	if err != nil {
		return nil, fmt.Errorf("transaction: %w", err)
	}
	return t, nil
}

func runTxDigest(env Env, args []string) error {
	sel, fs := chainFlags("localsigner tx digest", env, "--chain CHAIN [--prefix P] < tx.json")
	if err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	c, err := sel.lookup()
	if err != nil {
		return err
	}
	t, err := readTx(env, c)
	if err != nil {
		return err
	}
	ser, err := t.Serialize()
	if err != nil {
		return fmt.Errorf("serialize: %w", err)
	}
	digest, err := t.Digest()
	if err != nil {
		return fmt.Errorf("digest: %w", err)
	}
	id, err := t.ID()
	if err != nil {
		return fmt.Errorf("id: %w", err)
	}
	return writeJSON(env, map[string]string{
		"serialized": hex.EncodeToString(ser),
		"digest":     hex.EncodeToString(digest[:]),
		"id":         hex.EncodeToString(id[:]),
	})
}

func runTxSign(env Env, args []string) error {
	sel, fs := chainFlags("localsigner tx sign", env, "--chain CHAIN [--prefix P] --wif-file FILE < tx.json")
	wifFile := fs.String("wif-file", "", "file with one WIF private key per line (keep it private)")
	if err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	c, err := sel.lookup()
	if err != nil {
		return err
	}
	if *wifFile == "" {
		return fmt.Errorf("%w: --wif-file is required (keys are never taken as arguments)", errUsage)
	}
	wifs, lines, err := readWIFFile(*wifFile)
	if err != nil {
		return err
	}
	t, err := readTx(env, c)
	if err != nil {
		return err
	}
	if err := signer.SignWithWIFs(t, wifs); err != nil {
		var we *signer.WIFError
		if errors.As(err, &we) {
			return fmt.Errorf("--wif-file %s line %d: %w", *wifFile, lines[we.Index], we.Err)
		}
		return fmt.Errorf("sign: %w", err)
	}
	return writeJSON(env, t)
}

// readWIFFile reads one WIF per line, skipping blank lines, and returns each
// key's line number for error messages. Errors name the line, never its
// content.
func readWIFFile(path string) (wifs []string, lines []int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("--wif-file: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 4096), 64<<10)
	for line := 1; sc.Scan(); line++ {
		w := strings.TrimSpace(sc.Text())
		if w == "" {
			continue
		}
		if strings.ContainsAny(w, " \t") {
			return nil, nil, fmt.Errorf("--wif-file %s line %d: expected one key per line", path, line)
		}
		wifs = append(wifs, w)
		lines = append(lines, line)
	}
	if err := sc.Err(); err != nil {
		return nil, nil, fmt.Errorf("--wif-file %s: %w", path, err)
	}
	if len(wifs) == 0 {
		return nil, nil, fmt.Errorf("--wif-file %s: no keys in the file", path)
	}
	return wifs, lines, nil
}

func writeJSON(env Env, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	_, err = env.Stdout.Write(b)
	return err
}
