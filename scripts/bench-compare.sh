#!/usr/bin/env bash
# Runs the signing benchmarks of Localsigner and of @hiveio/dhive in the same
# run, on the same transactions, and prints a Markdown table (also written to
# bench-results.md) for BENCHMARKS.md. dhive is installed from npm into a
# temporary directory; nothing is added to the repository.
set -euo pipefail
cd "$(dirname "$0")/.."

DHIVE_VERSION=1.3.6
ITERATIONS=${ITERATIONS:-3000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

command -v node >/dev/null || { echo "bench-compare: node is required for the dhive comparison" >&2; exit 1; }
echo "installing @hiveio/dhive@$DHIVE_VERSION into a temporary directory..." >&2
(cd "$tmp" && npm init -y >/dev/null 2>&1 && npm install --no-audit --no-fund --loglevel=error "@hiveio/dhive@$DHIVE_VERSION" >/dev/null)

echo "running Go benchmarks..." >&2
go test -run='^$' -bench='^Benchmark(BareSignCompact|SignCanonical)$' -benchmem -count=5 ./signer/internal/privkey/ >"$tmp/go.txt"
go test -run='^$' -bench='^Benchmark(SignVoteTx|SignFiveOpTx)$' -benchmem -count=5 ./signer/ >>"$tmp/go.txt"

echo "running dhive (ITERATIONS=$ITERATIONS)..." >&2
dh=$(NODE_PATH="$tmp/node_modules" ITERATIONS=$ITERATIONS node scripts/bench-dhive.js)

# Each Go benchmark runs 5 times; the fastest run is reported (the least
# disturbed by whatever else the machine was doing).
ns() { awk -v n="Benchmark$1-" 'index($1, n) == 1 && (m == "" || $3 < m) { m = $3 } END { print m }' "$tmp/go.txt"; }
allocs() { awk -v n="Benchmark$1-" 'index($1, n) == 1 { for (i = 4; i < NF; i++) if ($(i+1) == "allocs/op") v = $i } END { print v }' "$tmp/go.txt"; }
metric() { awk -v n="Benchmark$1-" -v m="$2" 'index($1, n) == 1 { for (i = 4; i < NF; i++) if ($(i+1) == m) { s += $i; c++ } } END { printf "%.3f\n", s / c }' "$tmp/go.txt"; }
js() { node -e "console.log(Math.round(JSON.parse(process.argv[1])['$1']))" "$dh"; }
us() { awk -v v="$1" 'BEGIN { printf "%.1f", v / 1000 }'; }

bare=$(ns BareSignCompact); canon=$(ns SignCanonical); vote=$(ns SignVoteTx); five=$(ns SignFiveOpTx)
dbare=$(js bare_sign_ns); dvote=$(js vote_tx_ns); dfive=$(js five_op_tx_ns)
attempts=$(metric SignCanonical attempts/op)
ratio() { awk -v v="$1" -v a="$attempts" -v b="$bare" 'BEGIN { printf "%.2f", v / (a * b) }'; }
native=$(node -e "console.log(JSON.parse(process.argv[1]).native ? 'native libsecp256k1' : 'pure-JS elliptic')" "$dh")

{
  echo "| work | Localsigner (Go) | allocs/op | dhive $DHIVE_VERSION ($native) |"
  echo "|---|---|---|---|"
  echo "| bare secp256k1 sign (one attempt) | $(us "$bare") µs | $(allocs BareSignCompact) | $(us "$dbare") µs |"
  echo "| canonical sign of a 32-byte digest ($attempts nonce attempts on average) | $(us "$canon") µs | $(allocs SignCanonical) | – |"
  echo "| serialize + digest + sign, 1 vote | $(us "$vote") µs | $(allocs SignVoteTx) | $(us "$dvote") µs |"
  echo "| serialize + digest + sign, 5 operations | $(us "$five") µs | $(allocs SignFiveOpTx) | $(us "$dfive") µs |"
  echo
  echo "Cost against (attempts × bare sign): canonical sign $(ratio "$canon"), 1 vote $(ratio "$vote"), 5 operations $(ratio "$five")."
  echo
  echo "Machine: $(nproc) cores, $(go version | awk '{print $3}'), node $(node --version); $(date -u +%Y-%m-%d)."
} | tee bench-results.md
