package attack

import (
	"encoding/json"
	"os"
	"testing"

	"localsigner/cli"
	"localsigner/internal/testkit"
	"localsigner/signer"
)

// childEnv, when set, makes the test binary run the command line with the
// JSON argument list in childArgs instead of the tests: the crash loop
// starts the real "localsigner serve" and "localsigner passwd" this way, as
// separate processes it can kill -9, with the cheap test KDF.
const (
	childEnv  = "LOCALSIGNER_ATTACK_CHILD"
	childArgs = "LOCALSIGNER_ATTACK_ARGS"
)

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		var args []string
		if err := json.Unmarshal([]byte(os.Getenv(childArgs)), &args); err != nil {
			os.Stderr.WriteString("bad " + childArgs + ": " + err.Error() + "\n")
			os.Exit(2)
		}
		os.Exit(cli.Main(args, cli.Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr,
			VaultOptions: signer.VaultOptions{KDF: testkit.CheapKDF}}))
	}
	os.Exit(m.Run())
}
