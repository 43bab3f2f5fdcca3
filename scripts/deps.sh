#!/usr/bin/env bash
# deps.sh installs the Debian packages Localsigner needs, only those that are missing.
#
# Usage: scripts/deps.sh [GROUP...]      (no group: build)
#   build    cgo toolchain and the X11/OpenGL headers Fyne compiles against
#   window   a virtual X display and tools to drive and screenshot real windows
#   browser  headless Chromium for the dapp (OAuth) flows in a real browser
#   node     Node.js and npm, for tests that drive the peers' own JS libraries
#            (skipped when node and npm are already on PATH, e.g. a newer Node)
#   keychain a Secret Service (gnome-keyring) and dbus-run-session, for the tests
#            that move the vault into a real OS keychain on a private session bus
#   package  xz, zip, unzip and freedesktop's desktop-file-validate, for make package (the app and the extension) and its check
#
# It runs `apt-get update` once, and only when something is missing, installs without
# recommends, uses sudo when not root, and never downloads a Go toolchain: it only checks
# that the Go on PATH (or in /usr/local/go/bin) is as new as go.mod asks.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

declare -A GROUPS_PKGS=(
	[build]="gcc libc6-dev pkg-config libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev libxinerama-dev libxi-dev libxxf86vm-dev"
	# openbox: a real EWMH window manager, for the test that the prompt windows
	# are kept above the others; xprop (x11-utils) reads what it recorded.
	[window]="xvfb xauth xdotool imagemagick openbox x11-utils"
	# fonts-liberation is only a Recommends of chromium, and we install without recommends:
	# without any font, pages render with empty boxes in screenshots.
	[browser]="chromium fonts-liberation"
	[node]="nodejs npm"
	# The vault's keychain tests start gnome-keyring on a private bus with
	# dbus-run-session (dbus-daemon). dbus-user-session is named so that apt never
	# picks dbus-x11 for gnome-keyring's session bus: with dbus-launch on PATH, the
	# D-Bus library under keyring starts a new, never-ending dbus-daemon in every
	# process that finds no session bus.
	[keychain]="dbus-daemon dbus-user-session gnome-keyring"
	[package]="xz-utils zip unzip desktop-file-utils"
)

groups=("$@")
if [ ${#groups[@]} -eq 0 ]; then
	groups=(build)
fi

wanted=()
for g in "${groups[@]}"; do
	if [ "$g" = node ] && command -v node >/dev/null && command -v npm >/dev/null; then
		continue
	fi
	if [ -z "${GROUPS_PKGS[$g]+set}" ]; then
		echo "deps.sh: unknown group '$g' (known: ${!GROUPS_PKGS[*]})" >&2
		exit 2
	fi
	read -r -a pkgs <<<"${GROUPS_PKGS[$g]}"
	wanted+=("${pkgs[@]}")
done

installed() {
	[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" = "install ok installed" ]
}

missing=()
for p in "${wanted[@]}"; do
	if ! installed "$p" && [[ " ${missing[*]} " != *" $p "* ]]; then
		missing+=("$p")
	fi
done

if [ ${#missing[@]} -gt 0 ]; then
	SUDO=()
	if [ "$(id -u)" -ne 0 ]; then
		if ! command -v sudo >/dev/null; then
			echo "deps.sh: need root or sudo to install: ${missing[*]}" >&2
			exit 1
		fi
		SUDO=(sudo)
	fi
	echo "deps.sh: installing missing packages (${groups[*]}): ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
	"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
else
	echo "deps.sh: all packages present (${groups[*]})"
fi

# Go itself is not a Debian package we can use (bookworm's is too old), and no toolchain
# download is allowed, so only check it and explain.
if ! command -v go >/dev/null && [ -x /usr/local/go/bin/go ]; then
	PATH="$PATH:/usr/local/go/bin"
fi
need=$(awk '$1 == "go" { print $2; exit }' go.mod)
if ! command -v go >/dev/null; then
	echo "deps.sh: Go >= $need is required (the go line of go.mod) but no 'go' is on PATH or in /usr/local/go/bin." >&2
	echo "deps.sh: install the official Go $need or newer into /usr/local/go; this script does not download toolchains." >&2
	exit 1
fi
have=$(GOTOOLCHAIN=local go env GOVERSION)
have=${have#go}
if [ "$(printf '%s\n%s\n' "$need" "$have" | sort -V | head -n1)" != "$need" ]; then
	echo "deps.sh: Go >= $need is required (the go line of go.mod) but found go $have at $(command -v go)." >&2
	echo "deps.sh: install the official Go $need or newer into /usr/local/go; this script does not download toolchains." >&2
	exit 1
fi
