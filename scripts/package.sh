#!/usr/bin/env bash
# package.sh builds the Linux package with the pinned fyne tool and checks its contents; it also
# writes the macOS and Windows link-handler metadata beside it.
#
# Usage: scripts/package.sh            build dist/localsigner-linux-<arch>.tar.xz, then check it
#        scripts/package.sh --check F  check an existing package only
#
# The package holds the binary (built with no_emoji, stripped), the icon, a desktop entry that
# registers x-scheme-handler/hive and x-scheme-handler/has (written by internal/linkhandler, since
# fyne's own entry cannot name URL schemes), and fyne's Makefile for `make user-install` or
# `sudo make install`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

FYNE_TOOL=fyne.io/tools/cmd/fyne@v1.7.4
APP_ID=io.localsigner.app
arch=$(go env GOARCH)
out=dist/localsigner-linux-$arch.tar.xz

check() {
	local pkg=$1 tmp
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' RETURN
	tar -xJf "$pkg" -C "$tmp"
	local root="$tmp/localsigner" entry
	entry="$root/usr/local/share/applications/$APP_ID.desktop"
	for f in usr/local/bin/localsigner "usr/local/share/pixmaps/$APP_ID.png" "usr/local/share/applications/$APP_ID.desktop" Makefile; do
		[ -e "$root/$f" ] || { echo "package.sh: $pkg lacks $f" >&2; return 1; }
	done
	[ -x "$root/usr/local/bin/localsigner" ] || { echo "package.sh: the binary is not executable" >&2; return 1; }
	grep -qx 'Exec=localsigner %u' "$entry" || { echo "package.sh: the desktop entry does not pass the link (%u)" >&2; return 1; }
	grep -qx 'MimeType=x-scheme-handler/hive;x-scheme-handler/has;' "$entry" ||
		{ echo "package.sh: the desktop entry registers no hive:/has: handler" >&2; return 1; }
	if command -v desktop-file-validate >/dev/null; then
		desktop-file-validate "$entry"
	fi
	# The packaged binary is Localsigner, built without the emoji font, and runs headless.
	"$root/usr/local/bin/localsigner" version | grep -q '^localsigner ' ||
		{ echo "package.sh: the packaged binary does not run" >&2; return 1; }
	if go version -m "$root/usr/local/bin/localsigner" | grep -q -- '-tags=no_emoji'; then :; else
		echo "package.sh: the binary was not built with -tags=no_emoji" >&2
		return 1
	fi
	echo "package.sh: $pkg is complete: binary, icon, desktop entry for hive: and has: links, Makefile"
}

if [ "${1:-}" = "--check" ]; then
	check "$2"
	exit
fi

mkdir -p bin/tools dist
if [ ! -x bin/tools/fyne ] || ! go version -m bin/tools/fyne | grep -q 'fyne.io/tools.*v1.7.4'; then
	echo "package.sh: installing $FYNE_TOOL"
	GOFLAGS= GOBIN="$PWD/bin/tools" go install "$FYNE_TOOL"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The same build as `make build` (GOFLAGS carries -tags=no_emoji), stripped: only the link differs,
# so the build cache serves the rest.
go build -tags=no_emoji -ldflags='-s -w' -o "$work/localsigner" .
# fyne package reads FyneApp.toml and the icon from --src and bumps the build number in that file:
# give it a copy, so the tree stays as it is.
mkdir -p "$work/src/assets"
cp FyneApp.toml "$work/src/"
cp assets/icon.png "$work/src/assets/"
printf 'package main\n\nfunc main() {}\n' >"$work/src/main.go" # fyne looks for Go code; --executable means it builds none
(cd "$work" && "$OLDPWD/bin/tools/fyne" package -os linux --executable "$work/localsigner" --src "$work/src" --release >/dev/null)
mkdir "$work/x"
tar -xJf "$work"/*.tar.xz -C "$work/x"
pkgroot=$(find "$work/x" -mindepth 1 -maxdepth 1 -type d)
if [ "$(basename "$pkgroot")" != localsigner ]; then
	mv "$pkgroot" "$work/x/localsigner"
fi
go run ./internal/linkhandler/gen desktop >"$work/x/localsigner/usr/local/share/applications/$APP_ID.desktop"
tar -cJf "$out" -C "$work/x" localsigner
go run ./internal/linkhandler/gen macos >dist/macos-CFBundleURLTypes.plist
go run ./internal/linkhandler/gen windows >dist/windows-link-handlers.reg
check "$out"
# The browser extension, packed for "Load unpacked" after unzipping, or for a store upload: the
# files of extension/ as they are (no build step), and nothing else.
ext="dist/localsigner-bridge-$(sed -n 's/.*"version": *"\([^"]*\)".*/\1/p' extension/manifest.json).zip"
rm -f "$ext"
(cd extension && zip -q -X -r "$OLDPWD/$ext" manifest.json background.js content.js inpage.js popup.html popup.js icon128.png)
if [ "$(unzip -Z1 "$ext" | sort | tr '\n' ' ')" != "background.js content.js icon128.png inpage.js manifest.json popup.html popup.js " ]; then
	echo "package.sh: $ext does not hold exactly the extension's files" >&2
	exit 1
fi
echo "package.sh: wrote $out, $ext, dist/macos-CFBundleURLTypes.plist and dist/windows-link-handlers.reg"
