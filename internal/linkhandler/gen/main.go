// Command gen writes Localsigner's link-handler registration for one OS to
// standard output: `go run ./internal/linkhandler/gen desktop|macos|windows`.
// scripts/package.sh uses it for the Linux package and to generate the
// macOS and Windows metadata.
package main

import (
	"fmt"
	"os"

	"localsigner/internal/linkhandler"
)

func main() {
	app := linkhandler.App{ID: "io.localsigner.app", Name: "Localsigner", Exec: "localsigner", Icon: "io.localsigner.app"}
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: gen desktop|macos|windows")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "desktop":
		fmt.Print(linkhandler.DesktopEntry(app))
	case "macos":
		fmt.Print(linkhandler.MacURLTypes(app))
	case "windows":
		app.Exec = `C:\Program Files\Localsigner\Localsigner.exe` // where the user put it; README says to edit
		fmt.Print(linkhandler.WindowsRegistry(app))
	default:
		fmt.Fprintf(os.Stderr, "gen: unknown target %q (desktop, macos or windows)\n", os.Args[1])
		os.Exit(2)
	}
}
