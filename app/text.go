package app

import "localsigner/localapi"

// Text a dapp or a node chose is shown only after localapi's cleaning, the
// same the confirmation summaries get.
func clean(s string, max int) string { return localapi.CleanText(s, max) }
func quote(s string, max int) string { return localapi.QuoteText(s, max) }

// at writes an account name as users know it, "@alice".
func at(account string) string { return "@" + clean(account, 16) }
