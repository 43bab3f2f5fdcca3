package linkhandler

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

var app = App{ID: "io.localsigner.app", Name: "Localsigner", Exec: "localsigner", Icon: "io.localsigner.app"}

// The desktop entry registers both schemes, passes the one URI (%u), and
// is valid by freedesktop's own validator where it is installed.
func TestDesktopEntry(t *testing.T) {
	e := DesktopEntry(app)
	for _, want := range []string{"\nExec=localsigner %u\n", "\nMimeType=x-scheme-handler/hive;x-scheme-handler/has;\n", "\nIcon=io.localsigner.app\n"} {
		if !strings.Contains(e, want) {
			t.Errorf("desktop entry lacks %q:\n%s", want, e)
		}
	}
	validator, err := exec.LookPath("desktop-file-validate")
	if err != nil {
		t.Skip("desktop-file-validate not installed (scripts/deps.sh package installs it)")
	}
	path := filepath.Join(t.TempDir(), "io.localsigner.app.desktop")
	if err := os.WriteFile(path, []byte(e), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(validator, path).CombinedOutput(); err != nil || len(out) > 0 {
		t.Fatalf("desktop-file-validate: %v\n%s", err, out)
	}
}

func TestMacAndWindows(t *testing.T) {
	m := MacURLTypes(app)
	for _, s := range Schemes {
		if !strings.Contains(m, "<string>"+s+"</string>") || !strings.Contains(m, "<string>io.localsigner.app."+s+"</string>") {
			t.Errorf("URL types lack %s:\n%s", s, m)
		}
	}
	w := WindowsRegistry(App{Name: "Localsigner", Exec: `C:\Program Files\Localsigner\Localsigner.exe`})
	for _, s := range Schemes {
		for _, want := range []string{`[HKEY_CURRENT_USER\Software\Classes\` + s + "]", `"URL Protocol"=""`,
			`[HKEY_CURRENT_USER\Software\Classes\` + s + `\shell\open\command]` + "\r\n" + `@="\"C:\\Program Files\\Localsigner\\Localsigner.exe\" \"%1\""`} {
			if !strings.Contains(w, want) {
				t.Errorf("registry lacks %q:\n%s", want, w)
			}
		}
	}
}
