/// Redis over hiredis: commands, pipelining, hashes with TTL.
package enum RedisClient {}
