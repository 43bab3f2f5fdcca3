package devnet

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"time"

	"localsigner/signer/keys"
	"localsigner/signer/rc"
	"localsigner/signer/tx"
)

// coreAssetID is Graphene's core asset (PPY on Peerplays).
const coreAssetID = "1.3.0"

// Authority roles, indexing account.auth.
const (
	roleOwner = iota
	roleActive
	rolePosting
)

func roleIndex(role string) int {
	switch role {
	case "owner":
		return roleOwner
	case "active":
		return roleActive
	}
	return rolePosting
}

func roleName(i int) string { return [...]string{"owner", "active", "posting"}[i] }

func roleOf(r tx.Role) int {
	switch r {
	case tx.Owner:
		return roleOwner
	case tx.Active:
		return roleActive
	}
	return rolePosting
}

type keyWeight struct {
	key    keys.PublicKey
	weight uint16
}

type accountWeight struct {
	account string // Hive name or Graphene "1.2.N"
	weight  uint16
}

// authority is a weight threshold met by keys and other accounts.
type authority struct {
	threshold uint32
	accounts  []accountWeight
	keys      []keyWeight
}

// account is one account of the devnet's state.
type account struct {
	instance            uint64 // Graphene 1.2.<instance>; Hive's numeric id
	name                string
	auth                [3]authority // by roleOwner, roleActive, rolePosting
	memo                keys.PublicKey
	jsonMetadata        string
	postingJSONMetadata string
	balances            map[string]int64 // Hive: by symbol; Graphene: by asset id
	lastUpdate          time.Time
	rc                  rc.Manabar // Hive: resource credits
}

// includedTx is an accepted transaction, pending or in a block.
type includedTx struct {
	t        *tx.Transaction
	id       tx.TransactionID
	json     []byte // legacy JSON, as blocks show it
	blockNum uint32 // 0 while pending
	trxNum   uint32
	done     chan struct{} // closed when included in a block
}

// block is a produced block.
type block struct {
	num       uint32
	id        [20]byte
	previous  [20]byte
	timestamp time.Time
	txs       []*includedTx
	sig       keys.Signature // by the devnet's witness key, over the block id
}

func (b *block) idHex() string { return hex.EncodeToString(b.id[:]) }

// Post is a comment or post the devnet recorded.
type Post struct {
	Author, Permlink             string
	ParentAuthor, ParentPermlink string
	Title, Body, JSONMetadata    string
	Created, LastUpdate          time.Time
	Children                     int
	id                           int
	votes                        []*Vote
}

// Vote is a vote the devnet recorded.
type Vote struct {
	Voter, Author, Permlink string
	Weight                  int16
	Time                    time.Time
}

// CustomJSON is a custom_json operation the devnet recorded.
type CustomJSON struct {
	ID                   string
	JSON                 string
	RequiredAuths        []string
	RequiredPostingAuths []string
	TransactionID        string
}

// blockID computes a Graphene-style block id: the block number big-endian
// in the first 4 bytes, the rest from a hash of the block's contents.
func blockID(num uint32, previous [20]byte, ts time.Time, txs []*includedTx) [20]byte {
	h := sha256.New()
	var buf [8]byte
	binary.BigEndian.PutUint32(buf[:4], num)
	binary.BigEndian.PutUint32(buf[4:], uint32(ts.Unix()))
	h.Write(buf[:])
	h.Write(previous[:])
	for _, t := range txs {
		h.Write(t.id[:])
	}
	var id [20]byte
	copy(id[:], h.Sum(nil))
	binary.BigEndian.PutUint32(id[:4], num)
	return id
}

// refPrefix is what a transaction's ref_block_prefix must be to refer to
// block id: bytes 4..7 read little-endian.
func refPrefix(id [20]byte) uint32 { return binary.LittleEndian.Uint32(id[4:8]) }

// merkleRoot is a stand-in for hived's transaction merkle root: a hash
// tree over the transaction ids, zero for an empty block.
func merkleRoot(txs []*includedTx) [20]byte {
	var root [20]byte
	if len(txs) == 0 {
		return root
	}
	level := make([][32]byte, len(txs))
	for i, t := range txs {
		level[i] = sha256.Sum256(t.id[:])
	}
	for len(level) > 1 {
		var next [][32]byte
		for i := 0; i < len(level); i += 2 {
			if i+1 == len(level) {
				next = append(next, level[i])
				continue
			}
			next = append(next, sha256.Sum256(append(level[i][:], level[i+1][:]...)))
		}
		level = next
	}
	copy(root[:], level[0][:])
	return root
}

func fmtTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05") }
