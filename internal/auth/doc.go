// Package auth holds the pure building blocks of authentication for the
// platform: password hashing (argon2id), password policy, TOTP second
// factor and recovery codes, random session/API tokens and a per-key rate
// limiter.
//
// Nothing in this package touches a database, the network or HTTP; callers
// (the store and the web layer) combine these pieces. Nothing here keeps
// package-level mutable state: the hasher and the throttle are values the
// server constructs once and shares.
package auth
