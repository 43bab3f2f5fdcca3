package privkey

import (
	"crypto/sha512"
	"errors"
	"fmt"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"

	"localsigner/signer/keys"
)

// ErrPeerKey means the peer's public key is not a usable point (the null
// key, or bytes off the curve), so no shared secret exists.
var ErrPeerKey = errors.New("peer public key is not a point on secp256k1")

// SharedSecret computes the ECDH secret of p and peer that Graphene memos
// are encrypted under, in the two forms peers hash it.
//
// secret is fc's private_key::get_shared_secret: sha512 of the 32-byte
// big-endian x coordinate of p·peer. hived's and Peerplays' wallets,
// hive-tx, bitsharesjs and peerplaysjs-lib compute this.
//
// legacy is sha512 of the same x with its leading zero bytes dropped, which
// is what dhive 1.3.6, steem-js and hive-js compute (bigi's toBuffer ignores
// the {size: 32} they pass) and what bitsharesjs still decrypts with
// legacy=true. It equals secret unless x starts with a zero byte, about one
// key pair in 256.
//
// Only the hashes leave: neither the scalar nor the point does, and both are
// cleared before returning. The caller owns the results and should clear
// them. The point multiplication is decred's, which is not constant-time;
// the signing code has the same property.
func (p *PrivateKey) SharedSecret(peer keys.PublicKey) (secret, legacy [64]byte, err error) {
	pub, err := secp256k1.ParsePubKey(peer[:])
	if err != nil {
		return secret, legacy, fmt.Errorf("%w: %v", ErrPeerKey, err)
	}
	var point, product secp256k1.JacobianPoint
	pub.AsJacobian(&point)
	secp256k1.ScalarMultNonConst(&p.k.Key, &point, &product)
	defer func() {
		product.X.Zero()
		product.Y.Zero()
		product.Z.Zero()
	}()
	if (product.X.IsZero() && product.Y.IsZero()) || product.Z.IsZero() {
		// The group has prime order, so this needs a zero scalar.
		return secret, legacy, ErrKeyRange
	}
	product.ToAffine()
	var x [32]byte
	product.X.PutBytesUnchecked(x[:])
	defer clear(x[:])

	secret = sha512.Sum512(x[:])
	skip := 0
	for skip < len(x)-1 && x[skip] == 0 {
		skip++
	}
	legacy = sha512.Sum512(x[skip:])
	return secret, legacy, nil
}
