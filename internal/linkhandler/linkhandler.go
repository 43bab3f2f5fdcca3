// Package linkhandler writes how each desktop OS is told that Localsigner
// opens hive: and has: links: the Linux desktop entry the package installs,
// the URL types of the macOS bundle, and the Windows registry keys. One
// list of schemes feeds all three, so they cannot disagree.
package linkhandler

import (
	"fmt"
	"strings"
)

// Schemes are the URI schemes Localsigner handles: hive:// sign links and
// HiveAuth's has:// requests.
var Schemes = []string{"hive", "has"}

// App is what the entries say about the application.
type App struct {
	ID   string // reverse-DNS id, as FyneApp.toml's
	Name string // shown name
	Exec string // the installed command (Linux) or program path (Windows)
	Icon string // icon name (Linux)
}

// DesktopEntry is the freedesktop.org desktop entry: the app in the menu,
// and the handler of x-scheme-handler/hive and /has. %u passes the one URI
// clicked, which the command hands to the running instance.
func DesktopEntry(a App) string {
	var mimes []string
	for _, s := range Schemes {
		mimes = append(mimes, "x-scheme-handler/"+s)
	}
	return "[Desktop Entry]\n" +
		"Type=Application\n" +
		"Name=" + a.Name + "\n" +
		"GenericName=Key signer for Hive and Peerplays\n" +
		"Comment=Keeps your Hive and Peerplays keys on this computer and signs what you approve\n" +
		"Exec=" + a.Exec + " %u\n" +
		"Icon=" + a.Icon + "\n" +
		"Terminal=false\n" +
		"Categories=Office;Finance;\n" +
		"Keywords=hive;peerplays;wallet;keychain;signer;\n" +
		"MimeType=" + strings.Join(mimes, ";") + ";\n" +
		"StartupWMClass=" + a.Name + "\n"
}

// MacURLTypes is the CFBundleURLTypes entry to merge into the macOS
// bundle's Info.plist (fyne package writes the rest of it there): macOS then
// opens hive: and has: URLs with the app, which receives them as URL
// events.
func MacURLTypes(a App) string {
	var b strings.Builder
	b.WriteString("<key>CFBundleURLTypes</key>\n<array>\n")
	for _, s := range Schemes {
		fmt.Fprintf(&b, "\t<dict>\n\t\t<key>CFBundleURLName</key>\n\t\t<string>%s.%s</string>\n"+
			"\t\t<key>CFBundleURLSchemes</key>\n\t\t<array>\n\t\t\t<string>%s</string>\n\t\t</array>\n\t</dict>\n", a.ID, s, s)
	}
	b.WriteString("</array>\n")
	return b.String()
}

// WindowsRegistry is a .reg file that registers the schemes for the
// current user (no administrator needed): each scheme's open command runs
// the program with the URI as its one argument.
func WindowsRegistry(a App) string {
	exe := strings.ReplaceAll(a.Exec, `\`, `\\`)
	var b strings.Builder
	b.WriteString("Windows Registry Editor Version 5.00\r\n")
	for _, s := range Schemes {
		key := `HKEY_CURRENT_USER\Software\Classes\` + s
		fmt.Fprintf(&b, "\r\n[%s]\r\n@=\"URL:%s link (%s)\"\r\n\"URL Protocol\"=\"\"\r\n", key, s, a.Name)
		fmt.Fprintf(&b, "\r\n[%s\\shell\\open\\command]\r\n@=\"\\\"%s\\\" \\\"%%1\\\"\"\r\n", key, exe)
	}
	return b.String()
}
