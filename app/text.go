package app

import "localsigner/signer/tx"

// Text a dapp or a node chose is shown only after the transaction layer's cleaning, the
// same the confirmation summaries get.
func clean(s string, max int) string { return tx.CleanText(s, max) }
func quote(s string, max int) string { return tx.QuoteText(s, max) }

// at writes an account name as users know it, "@alice".
func at(account string) string { return "@" + clean(account, 16) }
