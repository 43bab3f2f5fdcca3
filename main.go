// Command localsigner keeps a person's Hive and Peerplays keys on their own
// machine and lets web dapps act for them only as far as they allow.
//
// main.go is the composition root: the only place that creates the Fyne
// application and hands it to the GUI package; everything else is built and
// wired from here.
package main

import (
	"os"

	fyneapp "fyne.io/fyne/v2/app"

	"localsigner/app"
	"localsigner/cli"
)

func main() {
	os.Exit(cli.Run(runGUI))
}

// runGUI opens the desktop app; the command line calls it when no subcommand
// is given.
func runGUI(o cli.GUIOptions) error {
	a := fyneapp.NewWithID("io.localsigner.app")
	return app.Run(a, app.Options{DataDir: o.DataDir, Devnet: o.Devnet, Listen: o.Listen})
}
