// Package tx turns Hive and Peerplays transactions between the chains' JSON
// API form and the exact binary serialization nodes verify, computes the
// signing digest and the transaction id, and says which account authorities
// each operation needs.
//
// A single wrong byte means a rejected transaction (or, worse, a signature
// over something the user did not see), so decoding is strict: unknown or
// duplicate JSON keys, malformed amounts, invalid account names and values
// hived's validate() would refuse are errors naming the JSON path of the
// field, e.g.
//
//	operations[0][1].amount: "1.0 HIVE": expected 3 decimals
//
// Encoding applies the same validation, so transactions built from Go values
// get the same checks as decoded ones.
//
// The types are plain Go values: a Transaction holds its Chain and a list of
// Operation values (*Vote, *Transfer, *CustomJSON, ... for Hive;
// *PeerplaysTransfer, ... for Peerplays) whose exported fields callers may
// inspect or fill in. Serialize, Digest, ID and MarshalJSON never modify the
// transaction, so they may run concurrently on one that is not being changed.
package tx
