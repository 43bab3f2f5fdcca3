package app

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"localsigner/signer/tx"
)

// Text a dapp or a node chose is shown only after the transaction layer's cleaning, the
// same the confirmation summaries get.
func clean(s string, max int) string { return tx.CleanText(s, max) }
func quote(s string, max int) string { return tx.QuoteText(s, max) }

// at writes an account name as users know it, "@alice".
func at(account string) string { return "@" + clean(account, 16) }

// showStatus puts text in a tab's status line, red when bad.
func showStatus(l *widget.Label, text string, bad bool) {
	l.SetText(text)
	if bad {
		l.Importance = widget.DangerImportance
	} else {
		l.Importance = widget.SuccessImportance
	}
	l.Refresh()
}

// paragraph is a label that wraps at word boundaries, for sentences.
func paragraph(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	return l
}
