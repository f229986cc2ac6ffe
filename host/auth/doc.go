// Package auth authenticates Socket.IO clients connecting to a namespace,
// before the namespace's $connect handler runs.
//
// An operator configures, per namespace, one or both of two methods:
//
//   - api_key: the client presents one of a set of shared keys, either in a
//     field of the Socket.IO handshake auth object or in a request header.
//     Keys are compared in constant time on their SHA-256 digests, so
//     neither the content nor the length of the accepted keys leaks.
//   - jwt: the client presents a JSON Web Token (RFC 7519, compact JWS)
//     signed with HS256 (shared secret), RS256 (RSA public key) or ES256
//     (ECDSA P-256 public key). The algorithm is fixed by the configured
//     key: a token whose "alg" header names any other algorithm, including
//     "none", is refused, which defeats algorithm-confusion attacks. Tokens
//     with a "crit" header are refused. Key-locating headers (kid, jku, jwk,
//     x5u, x5c) are ignored; keys are never fetched.
//
// With Mode "any" (the default) one configured method must pass; with "all"
// every configured method must pass.
//
// A typical TOML fragment:
//
//	[namespaces."/chat".auth]
//	mode = "any"
//
//	[namespaces."/chat".auth.api_key]
//	keys_env = "CHAT_API_KEYS"
//
//	[namespaces."/chat".auth.jwt]
//	public_key_file = "keys/issuer.pem"
//	issuer = "https://id.example.com"
//	audience = "chat"
//	leeway = "30s"
//
// Build an Authenticator once with New (it reads environment variables and
// key files) and call Authenticate for each connection; an Authenticator is
// immutable and safe for concurrent use. Errors returned by Authenticate have
// messages that are safe to send to the client in a CONNECT_ERROR packet.
package auth
