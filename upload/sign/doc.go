// Package sign signs batch documents and verifies their signatures.
//
// A signed document is a JWS in general JSON serialization (RFC 7515
// §7.2.1) whose payload is the document's bytes. Each signature's
// protected header carries alg, kid, role and sigT (the signing time,
// RFC 3339 in UTC). A batch carries two signatures: the station's key
// (role "station") and the resident veterinarian's key (role
// "inspector"); VerifyBatch requires both.
//
// Keys are Ed25519 (JOSE alg "EdDSA") or SM2 with SM3 and the GB/T 35276
// default user id (alg "SM2-SM3", a name of this project's own). A key
// lives in two files named after its kid: <kid>.key holds the private
// key as PKCS #8, encrypted under a PIN for an inspector, and <kid>.pem
// the public key as a SubjectPublicKeyInfo. docs/upload-signatures.md
// specifies the formats and shows how to verify a document with openssl.
package sign
