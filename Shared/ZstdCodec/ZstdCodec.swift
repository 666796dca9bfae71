/// zstd compression with explicit size limits.
package enum ZstdCodec {}
