/// Hash functions and message authentication: SHA-256 and HMAC-SHA-256, in pure Swift.
package enum Crypto {}
