// Package e2e holds Localsigner's end-to-end tests: a real headless
// Chromium (Debian's chromium, driven through playwright-core from npm)
// clicks through the example dapp (examples/dapp) against the real server,
// vault, admin channel and devnet, and other real clients (oauth4webapi in
// Node) run the OAuth flow. Screenshots of each step go to artifacts/e2e/.
//
// The package has no code of its own; everything is in the _test files.
package e2e
