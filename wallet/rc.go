package wallet

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"localsigner/approval"
	"localsigner/signer/chain"
	"localsigner/signer/node"
	"localsigner/signer/rc"
	"localsigner/signer/tx"
)

// ErrNotEnoughRC: the account that pays for the transaction holds fewer
// resource credits than it costs, so the chain would refuse it. It wraps
// ErrInvalidOperations; nothing was asked or signed.
var ErrNotEnoughRC = fmt.Errorf("%w: not enough resource credits", ErrInvalidOperations)

// rcNode is what the resource-credit estimate reads from a Hive node;
// *node.Client has it. A Node without it gets no estimate.
type rcNode interface {
	DynamicGlobalProperties(ctx context.Context) (*node.DynamicGlobalProperties, error)
	RCMarket(ctx context.Context, p *node.DynamicGlobalProperties) (*rc.Market, error)
	RCAccount(ctx context.Context, name string, head time.Time) (*node.RCAccount, error)
}

var _ rcNode = (*node.Client)(nil)

// rcTimeout bounds the reads an estimate waits for.
const rcTimeout = 3 * time.Second

// estimateRC prices the transaction the wallet is about to sign as the
// chain will (package rc, after hived's resource-credit code): its
// operations, signed with signatures keys, expiring as the node client
// would set it (or as header says), against the pools and the paying
// account's credits the node reports now. It returns nil on a chain
// without resource credits or when the node does not say; the caller then
// signs without an estimate, as the chain is the judge anyway.
func (w *Wallet) estimateRC(ctx context.Context, ops []tx.Operation, signatures int, header *Header) *approval.RC {
	n, ok := w.cfg.Node.(rcNode)
	if !ok || w.cfg.Chain.Family != chain.Hive {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, rcTimeout)
	defer cancel()
	dgp, err := n.DynamicGlobalProperties(ctx)
	if err != nil {
		return &approval.RC{Text: "Resource credits: the node did not answer, so the cost is not shown."}
	}
	head := dgp.Time.Time
	t := &tx.Transaction{Chain: w.cfg.Chain, Expiration: head.Add(node.DefaultExpiration), Operations: ops}
	if header != nil {
		t.RefBlockNum, t.RefBlockPrefix, t.Expiration = header.RefBlockNum, header.RefBlockPrefix, header.Expiration
	}
	payer := rc.Payer(t)
	size, err := rc.SignedSize(t, signatures)
	if err != nil || payer == "" {
		return nil
	}
	var market *rc.Market
	var acct *node.RCAccount
	var mErr, aErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		market, mErr = n.RCMarket(ctx, dgp)
	}()
	acct, aErr = n.RCAccount(ctx, payer, head)
	<-done
	if mErr != nil || aErr != nil {
		if errors.Is(mErr, node.ErrNoRC) {
			return nil
		}
		return &approval.RC{Account: payer, Text: "Resource credits: the node did not say what this costs, so the cost is not shown."}
	}
	cost, _ := market.Cost(rc.Count(t, size, signatures, head))
	est := &approval.RC{Account: payer, Cost: cost, Current: acct.Current, Max: acct.Max}
	switch {
	case cost > acct.Current:
		est.Text = fmt.Sprintf("Resource credits: this costs about %s RC and @%s has %s now: the chain will refuse it.",
			rcWords(cost), payer, rcWords(acct.Current))
	default:
		est.Text = fmt.Sprintf("Resource credits: about %s RC, %s of the %s @%s has now.",
			rcWords(cost), percentWords(cost, acct.Current), rcWords(acct.Current), payer)
	}
	return est
}

// rcRefusal is the error for a transaction its payer cannot pay for.
func rcRefusal(est *approval.RC) error {
	if est == nil || est.Text == "" || est.Cost <= est.Current {
		return nil
	}
	full := "some time"
	if est.Max > 0 {
		secs := float64(est.Cost-est.Current) / float64(est.Max) * rc.RegenSeconds
		full = durationWords(time.Duration(secs) * time.Second)
	}
	return fmt.Errorf("%w: @%s has %s resource credits (RC) now and this transaction needs about %s, so the chain would refuse it; "+
		"nothing was signed. RC come back by themselves: in about %s there will be enough, or power up HIVE for more",
		ErrNotEnoughRC, est.Account, rcWords(est.Current), rcWords(est.Cost), full)
}

// rcWords writes a credit count for people: "1.23 billion", "950.0 million", "4,210".
func rcWords(v int64) string {
	f := float64(v)
	for _, u := range []struct {
		div  float64
		name string
	}{{1e15, "quadrillion"}, {1e12, "trillion"}, {1e9, "billion"}, {1e6, "million"}} {
		if math.Abs(f) >= u.div {
			return fmt.Sprintf("%.3g %s", f/u.div, u.name)
		}
	}
	return fmt.Sprintf("%d", v)
}

// percentWords writes part as a share of whole with two significant
// digits: "0.012%", "1.5%", "15%", or "under 0.01%".
func percentWords(part, whole int64) string {
	if whole <= 0 {
		return "all"
	}
	p := float64(part) * 100 / float64(whole)
	switch {
	case p >= 10:
		return fmt.Sprintf("%.0f%%", p)
	case p >= 0.01:
		return fmt.Sprintf("%.2g%%", p)
	}
	return "under 0.01%"
}

// durationWords writes a wait: "3 minutes", "5 hours", "2 days".
func durationWords(d time.Duration) string {
	switch {
	case d < 2*time.Minute:
		return "a minute"
	case d < 2*time.Hour:
		return fmt.Sprintf("%d minutes", int(d.Minutes()+0.5))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d hours", int(d.Hours()+0.5))
	}
	return fmt.Sprintf("%d days", int(d.Hours()/24+0.5))
}
