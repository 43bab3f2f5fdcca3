package localapi

// Rate limits a client per endpoint. A page on any website can make the
// browser send requests here, so every endpoint answers a flood with 429 and
// Retry-After instead of work (and, for authorize, prompts).

// Limits configures the rate limits. Zero fields take the defaults.
// (Prompts are bounded by the wallet: wallet.Config.)
type Limits struct {
	// PerMinute and Burst bound requests per client (or, without a client
	// id, per remote address) per endpoint. Defaults: 60 and 20.
	PerMinute, Burst int
}

func (l Limits) withDefaults() Limits {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&l.PerMinute, 60)
	def(&l.Burst, 20)
	return l
}
