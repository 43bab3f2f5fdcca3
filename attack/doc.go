// Package attack holds Localsigner's attack suite: tests that attack a real
// server the way a hostile web page, another program on the machine, a
// buggy dapp or a crash would, each named after the promise it checks
// (TestPromises/<Promise>/<case>), plus the crash loop and the bounded load
// test. Every case runs against a real localapi server on 127.0.0.1, the
// in-process devnet behind it, a real vault with a cheap KDF and the admin
// socket, and proves after each refusal that nothing was signed or
// broadcast and nothing was lost. SECURITY.md at the repository root lists
// the promises and the tests behind each.
//
// The package has no code outside its tests.
package attack
