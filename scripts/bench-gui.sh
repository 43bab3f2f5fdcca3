#!/usr/bin/env bash
# bench-gui.sh measures the desktop app beside a hello-world Fyne window, in one run under one
# virtual X server: cold start (exec until the window is mapped on screen), resident memory
# while idle, and CPU used while idle. It needs Xvfb, xdotool (scripts/deps.sh window), make
# and the Go build cache; the hello world is built from the module cache, offline.
#
# Each round starts the hello world, then Localsigner --devnet left locked, then Localsigner
# --devnet unlocked from the command line, so a slow spell of the machine falls on all three.
# RSS is sampled every 5 s from SETTLE s after the window shows until SETTLE+IDLE s and the
# median of those samples is that run's figure; CPU is user + system time over the same IDLE s.
# The summary gives each program's median and range over the rounds and, per round, the app's
# RSS over the hello world's of the same round (the acceptance target: at most 1.10×).
#
# Usage: scripts/bench-gui.sh            (RUNS=5 SETTLE=10 IDLE=30 by default)
# Run it under xvfb-run, or it starts its own: xvfb-run -a -s '-screen 0 1280x800x24', from a
# display number above the :99 that every other xvfb-run on a shared machine tries first.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [ -z "${DISPLAY:-}" ]; then
	exec xvfb-run -a -n "$((200 + RANDOM % 100))" -s '-screen 0 1280x800x24' "$0" "$@"
fi
RUNS=${RUNS:-5}
SETTLE=${SETTLE:-10}
IDLE=${IDLE:-30}
export LANG=${LANG:-C.UTF-8} LANGUAGE=${LANGUAGE:-en_US}

work=$(mktemp -d)
cleanup() {
	jobs -p | xargs -r kill 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

# Localsigner exactly as `make build` builds bin/localsigner (the Makefile's GO_BUILD with the
# GOFLAGS it exports, i.e. its build tags), without the Debian-package check that target runs
# first. The hello world below is built with the same tags, so that the ratio compares like with
# like.
build=$(make -s --no-print-directory --eval 'bench-gui-build: ; @echo GOFLAGS="$(GOFLAGS)" $(GO_BUILD)' bench-gui-build BIN="$work/localsigner")
echo "bench-gui: $build" >&2
eval "$build"
mkdir "$work/hello"
cat >"$work/hello/main.go" <<'EOF'
package main

import (
	"fmt"
	"os"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/widget"
)

func main() {
	a := app.New()
	w := a.NewWindow("Hello")
	w.SetContent(widget.NewLabel("Hello, world"))
	// HELLO_SIZE=860x600 opens it at the app's default size: a larger
	// window's framebuffers cost memory whatever it shows.
	var wd, ht float32
	if _, err := fmt.Sscanf(os.Getenv("HELLO_SIZE"), "%fx%f", &wd, &ht); err == nil {
		w.Resize(fyne.NewSize(wd, ht))
	}
	w.ShowAndRun()
}
EOF
fyne_version=$(go list -m -f '{{.Version}}' fyne.io/fyne/v2)
# The same module versions as Localsigner, so both link the same Fyne and nothing is downloaded.
sed 's/^module .*/module hello/' go.mod >"$work/hello/go.mod"
cp go.sum "$work/hello/go.sum"
tags=$(make -s --no-print-directory --eval 'bench-gui-tags: ; @echo "$(GOFLAGS)"' bench-gui-tags)
(cd "$work/hello" && GOFLAGS="-mod=mod $tags" GOPROXY=off go build -o "$work/hello-world" .)

clk=$(getconf CLK_TCK)
now_ms() { date +%s%3N; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
median() { sort -n | awk '{v[NR] = $1} END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# measure KEY NAME TITLE-REGEXP [SETUP-AFTER-MAP] -- COMMAND...: prints one table row and
# appends "KEY round ms rss-kB cpu-%" to $work/results.
measure() {
	local key=$1 name=$2 title=$3 after=$4
	shift 5
	local start pid wid ms c0 c1 cpu rss samples=() t
	start=$(now_ms)
	"$@" >>"$work/app.log" 2>&1 &
	pid=$!
	until wid=$(xdotool search --onlyvisible --name "$title" 2>/dev/null | head -1) && [ -n "$wid" ]; do
		if ! kill -0 "$pid" 2>/dev/null; then
			echo "bench-gui: $name exited before showing a window; its log:" >&2
			tail -20 "$work/app.log" >&2
			if grep -q 'Failed to open display' "$work/app.log"; then
				echo "bench-gui: the X server $DISPLAY went away (stopped or taken over by another process); run again" >&2
			fi
			exit 1
		fi
		sleep 0.005
	done
	ms=$(($(now_ms) - start))
	if [ -n "$after" ]; then eval "$after"; fi
	sleep "$SETTLE"
	c0=$(cpu_ticks "$pid")
	samples+=("$(rss_kb "$pid")")
	for ((t = 5; t <= IDLE; t += 5)); do
		sleep 5
		samples+=("$(rss_kb "$pid")")
	done
	c1=$(cpu_ticks "$pid")
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	rss=$(printf '%s\n' "${samples[@]}" | median)
	cpu=$(awk -v t="$((c1 - c0))" -v clk="$clk" -v idle="$IDLE" 'BEGIN { printf "%.2f", 100 * t / clk / idle }')
	echo "$key $round $ms $rss $cpu" >>"$work/results"
	awk -v n="$name (run $round)" -v ms="$ms" -v rss="$rss" -v lo="$(printf '%s\n' "${samples[@]}" | sort -n | head -1)" \
		-v hi="$(printf '%s\n' "${samples[@]}" | sort -n | tail -1)" -v cpu="$cpu" \
		'BEGIN { printf "| %s | %d ms | %.1f MB (%.1f–%.1f) | %s %% |\n", n, ms, rss / 1024, lo / 1024, hi / 1024, cpu }'
}

# A vault with the devnet's three demo accounts, as after the first run's "Import the demo
# accounts".
data="$work/data"
pass="bench passphrase: quiet lantern orbit tundra"
LOCALSIGNER_DATA_DIR=$data LOCALSIGNER_PASSPHRASE=$pass "$work/localsigner" init >/dev/null
for account in alice bob carol; do
	echo localsigner-devnet | LOCALSIGNER_DATA_DIR=$data LOCALSIGNER_PASSPHRASE=$pass \
		"$work/localsigner" keys add --chain devnet --account "$account" --master-password >/dev/null 2>&1
done
# `localsigner unlock` fails, and with it this script, if the app is not serving.
unlock="LOCALSIGNER_DATA_DIR=$data LOCALSIGNER_PASSPHRASE='$pass' $work/localsigner unlock >/dev/null"
# A dapp-server port nobody else is using (other tests on this machine may hold 7791).
port=7791
while listening "$port"; do port=$((port + 1)); done
app=(env LOCALSIGNER_DATA_DIR="$data" "$work/localsigner" --devnet --listen "127.0.0.1:$port")

echo "| program | cold start (exec → window mapped) | RSS while idle: median (range) of $((IDLE / 5 + 1)) samples, ${SETTLE}–$((SETTLE + IDLE)) s | CPU over ${IDLE} s idle |"
echo "|---|---|---|---|"
for round in $(seq "$RUNS"); do
	measure hello "hello world" '^Hello$' "" -- "$work/hello-world"
	measure hellosized "hello world at 860×600" '^Hello$' "" -- env HELLO_SIZE=860x600 "$work/hello-world"
	measure locked "localsigner --devnet, locked" '^Localsigner$' "" -- "${app[@]}"
	measure unlocked "localsigner --devnet, unlocked" '^Localsigner$' "sleep 0.5; $unlock" -- "${app[@]}"
done

# summary KEY FIELD SCALE FORMAT: "median (min–max)" of one column over the rounds.
summary() {
	local vals
	vals=$(awk -v k="$1" -v f="$2" -v s="$3" '$1 == k { print $f / s }' "$work/results")
	printf "$4 ($4–$4)" "$(median <<<"$vals")" "$(sort -g <<<"$vals" | head -1)" "$(sort -g <<<"$vals" | tail -1)"
}
# ratio KEY FIELD [BASE]: per round, KEY's value over BASE's (the hello world by default);
# "median (min–max)".
ratio() {
	local vals
	vals=$(awk -v k="$1" -v f="$2" -v b="${3:-hello}" '$1 == b { h[$2] = $f } $1 == k { r[$2] = $f } END { for (i in r) printf "%.4f\n", r[i] / h[i] }' "$work/results")
	printf "%.2f× (%.2f–%.2f)" "$(median <<<"$vals")" "$(sort -g <<<"$vals" | head -1)" "$(sort -g <<<"$vals" | tail -1)"
}
echo
echo "Summary over $RUNS rounds: median (range)."
echo
echo "| program | cold start | idle RSS | RSS ÷ hello world's, same round | ÷ hello world at 860×600 | idle CPU |"
echo "|---|---|---|---|---|---|"
echo "| hello world | $(summary hello 3 1 %.0f) ms | $(summary hello 4 1024 %.1f) MB | 1 | | $(summary hello 5 1 %.2f) % |"
echo "| hello world at 860×600 | $(summary hellosized 3 1 %.0f) ms | $(summary hellosized 4 1024 %.1f) MB | $(ratio hellosized 4) | 1 | $(summary hellosized 5 1 %.2f) % |"
for k in locked unlocked; do
	echo "| localsigner --devnet, $k | $(summary $k 3 1 %.0f) ms | $(summary $k 4 1024 %.1f) MB | $(ratio $k 4) | $(ratio $k 4 hellosized) | $(summary $k 5 1 %.2f) % |"
done
echo
tray=no
if [ -n "${DBUS_SESSION_BUS_ADDRESS:-}" ] || command -v dbus-launch >/dev/null; then tray=yes; fi
echo "Machine: $(nproc) cores, $(go version | cut -d' ' -f3), Fyne $fyne_version; system tray (session bus) $tray; $(date -u +%Y-%m-%d)."
