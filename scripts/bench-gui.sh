#!/usr/bin/env bash
# bench-gui.sh measures the desktop app beside a hello-world Fyne window, in one run under one
# virtual X server: cold start (exec until the window is mapped on screen), resident memory
# after 10 s idle, and CPU used over 30 s idle. It needs Xvfb, xdotool (scripts/deps.sh window)
# and the Go build cache; the hello world is built from the module cache, offline.
#
# Usage: scripts/bench-gui.sh            (RUNS=3 IDLE=30 by default)
# Run it under xvfb-run, or it starts its own: xvfb-run -a -s '-screen 0 1280x800x24'.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [ -z "${DISPLAY:-}" ]; then
	exec xvfb-run -a -s '-screen 0 1280x800x24' "$0" "$@"
fi
RUNS=${RUNS:-3}
IDLE=${IDLE:-30}
export LANG=${LANG:-C.UTF-8} LANGUAGE=${LANGUAGE:-en_US}

work=$(mktemp -d)
cleanup() {
	jobs -p | xargs -r kill 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/localsigner" .
mkdir "$work/hello"
cat >"$work/hello/main.go" <<'EOF'
package main

import (
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/widget"
)

func main() {
	a := app.New()
	w := a.NewWindow("Hello")
	w.SetContent(widget.NewLabel("Hello, world"))
	w.ShowAndRun()
}
EOF
fyne_version=$(go list -m -f '{{.Version}}' fyne.io/fyne/v2)
# The same module versions as Localsigner, so both link the same Fyne and nothing is downloaded.
sed 's/^module .*/module hello/' go.mod >"$work/hello/go.mod"
cp go.sum "$work/hello/go.sum"
(cd "$work/hello" && GOFLAGS=-mod=mod GOPROXY=off go build -o "$work/hello-world" .)

clk=$(getconf CLK_TCK)
now_ms() { date +%s%3N; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# measure NAME TITLE-REGEXP [SETUP-AFTER-MAP] -- COMMAND...: prints one result line.
measure() {
	local name=$1 title=$2 after=$3
	shift 4
	local start pid wid ms rss c0 c1
	start=$(now_ms)
	"$@" >>"$work/app.log" 2>&1 &
	pid=$!
	until wid=$(xdotool search --onlyvisible --name "$title" 2>/dev/null | head -1) && [ -n "$wid" ]; do
		if ! kill -0 "$pid" 2>/dev/null; then
			echo "bench-gui: $name exited before showing a window; its log:" >&2
			tail -20 "$work/app.log" >&2
			exit 1
		fi
		sleep 0.005
	done
	ms=$(($(now_ms) - start))
	if [ -n "$after" ]; then eval "$after"; fi
	sleep 10
	rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
	c0=$(cpu_ticks "$pid")
	sleep "$IDLE"
	c1=$(cpu_ticks "$pid")
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	awk -v n="$name" -v ms="$ms" -v rss="$rss" -v t="$((c1 - c0))" -v clk="$clk" -v idle="$IDLE" \
		'BEGIN { printf "| %s | %d ms | %.1f MB | %.2f %% |\n", n, ms, rss / 1024, 100 * t / clk / idle }'
}

# A vault with the devnet's demo account alice, as after the first run.
data="$work/data"
pass="bench passphrase: quiet lantern orbit tundra"
LOCALSIGNER_DATA_DIR=$data LOCALSIGNER_PASSPHRASE=$pass "$work/localsigner" init >/dev/null
echo localsigner-devnet | LOCALSIGNER_DATA_DIR=$data LOCALSIGNER_PASSPHRASE=$pass \
	"$work/localsigner" keys add --chain devnet --account alice --master-password >/dev/null 2>&1
unlock="LOCALSIGNER_DATA_DIR=$data LOCALSIGNER_PASSPHRASE='$pass' $work/localsigner unlock >/dev/null"

echo "| program | cold start (exec → window mapped) | RSS after 10 s idle | CPU over ${IDLE} s idle |"
echo "|---|---|---|---|"
for i in $(seq "$RUNS"); do
	measure "hello world (run $i)" '^Hello$' "" -- "$work/hello-world"
	measure "localsigner --devnet, locked (run $i)" '^Localsigner$' "" -- \
		env LOCALSIGNER_DATA_DIR="$data" "$work/localsigner" --devnet --listen 127.0.0.1:7791
	measure "localsigner --devnet, unlocked (run $i)" '^Localsigner$' "sleep 0.5; $unlock" -- \
		env LOCALSIGNER_DATA_DIR="$data" "$work/localsigner" --devnet --listen 127.0.0.1:7791
done
echo
echo "Machine: $(nproc) cores, $(go version | cut -d' ' -f3), Fyne $fyne_version; $(date -u +%Y-%m-%d)."
