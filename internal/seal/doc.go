// Package seal protects personal data at rest and on screen: field
// encryption with rotating keys, blind indexes for equality search over
// encrypted columns, masking for display, and validators for the PRC
// resident ID number (GB 11643-1999) and the unified social credit code
// (GB 32100-2015).
//
// # Sealed values
//
// SealField encrypts a string into the text form
//
//	v1:<keyid>:<payload>
//
// where v1 is the format version, keyid the id of the encryption key (short,
// e.g. "k1") and payload the unpadded base64url encoding of
// nonce||ciphertext||tag. With AES-256-GCM (the only cipher today, see
// Cipher) the nonce is 12 random bytes and the tag 16 bytes. The empty
// string is stored as the empty string, so "no value" stays visible as such;
// everything else is opaque.
//
// # Additional data
//
// Every value authenticates, without storing it,
//
//	"linli/seal/v1" 0x00 keyid 0x00 field
//
// field is the column the value belongs to, e.g. "person.id_number". A
// value therefore opens only under the key id written in it and only for
// the same field: copying the encrypted ID number of one row into the phone
// column, or editing the key id, makes OpenField fail with ErrUndecryptable
// instead of returning someone's data in the wrong place. Seal and Open use
// the empty field.
//
// # Blind index
//
// An encrypted column cannot be searched, so a column that needs lookups
// ("find the person with this ID number") gets a companion column holding
// BlindIndex(field, NormalizeX(value)): HMAC-SHA256 under a separate index
// key over field, a NUL byte and the normalized value, truncated to 128
// bits (32 hex characters). Equal values in the same field give equal
// indexes, so the index supports exact match and uniqueness and nothing
// else (no prefix or range search). Because the field is hashed too, the
// same number in two columns gives unrelated indexes.
//
// ID numbers and phone numbers have little entropy: anyone with the index
// key can recover them from their indexes by trying every candidate.
// The index key must therefore be protected like the encryption keys and
// never be stored in the database.
//
// # Keys and rotation
//
// The key file (JSON, mode 0600, refused if group or other may access it)
// holds a list of encryption keys {id, created, alg, enc_key}, the id of the
// active one, and one index_key at file level:
//
//	{
//	  "version": 1,
//	  "active": "k2",
//	  "index_key": "<base64 of 32 bytes>",
//	  "keys": [
//	    {"id": "k1", "created": "...", "alg": "aes-256-gcm", "enc_key": "<base64 of 32 bytes>"},
//	    {"id": "k2", "created": "...", "alg": "aes-256-gcm", "enc_key": "<base64 of 32 bytes>"}
//	  ]
//	}
//
// Rotate adds a new encryption key and makes it active; new values are
// sealed with it while old values keep opening with the key named in them.
// After saving the key file (Save writes a temporary file and renames it),
// re-encrypt the stored values: for each one, NeedsRotation tells whether it
// was sealed with an older key and ResealField re-seals it. Only when no
// value names an old key may that key be removed from the file.
//
// The index key does not rotate with the encryption keys: a new index key
// would change every blind index and break lookups until all of them were
// recomputed. It stays the same for the life of the data.
//
// With random 96-bit nonces one AES-GCM key should seal no more than about
// 2^32 values; rotate long before that.
//
// # Masking and validation
//
// MaskIDNumber, MaskPhone, MaskName and MaskAddress hide most of a value
// for display; they accept any input and never panic. ValidateIDNumber and
// ValidateUSCC return *InputError sentinels whose Error text is Chinese and
// ready for a form, with Key for the message catalogs.
package seal
