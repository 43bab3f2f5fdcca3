// Package earlylocale runs before the GUI toolkit's own initialisation and
// gives it a locale it can parse. Fyne reads the user's locale when its
// lang package is initialised, in every run of the binary (the command
// line's too), and logs three lines of "Error parsing user locale C" when
// LANG is C.UTF-8 or POSIX.UTF-8, as on many servers and containers.
//
// Go initialises packages in the order of their import paths (The Go
// Programming Language Specification, "Package initialization", since Go
// 1.21), so this package lives in a module of its own whose path sorts
// before fyne.io; main imports it for its side effect only.
package earlylocale

import (
	"os"
	"strings"
)

func init() { fix() }

// fix sets LANGUAGE=en when it is unset and the locale in effect (LC_ALL,
// else LC_MESSAGES, else LANG, as gettext reads them) names the C or POSIX
// locale with a codeset. gettext ignores LANGUAGE under the C locale, so
// nothing else the process starts changes language.
func fix() {
	if os.Getenv("LANGUAGE") != "" {
		return
	}
	for _, name := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		v := os.Getenv(name)
		if v == "" {
			continue
		}
		lang, _, _ := strings.Cut(v, ".")
		if (lang == "C" || lang == "POSIX") && v != lang {
			os.Setenv("LANGUAGE", "en")
		}
		return
	}
}
