package redislimit

import "github.com/redis/go-redis/v9"

// The two scripts keep the budgets in Redis, each run atomically. Times are
// Redis's own (TIME), in microseconds, so replicas with skewed clocks agree
// (milliseconds would round an answer time down by up to one, enough for a
// 429 when windows are short). Key expiries (keyTTL) are in milliseconds.
//
// Keys, all under one hash tag so that a cluster keeps them on one node:
//
//	1 account log      sorted set: send times of the account's requests
//	2 account server   hash: limit, remaining, reset, first (first answer of
//	                   that window), ended, old (in flight when it ended)
//	3 account flight   sorted set: requests sent and not yet answered
//	4 account block    string: no request before this time (after a 429)
//	5 room log         sorted set: answer times of the room's posts
//	6 room flight      sorted set: posts sent and not yet answered
//	7 room block       string: no post before this time (after a room 429)
//
// Every key written gets an expiry (ARGV keyTTL), so an abandoned account
// or room disappears on its own; a request in flight for longer than
// flightTTL is taken as answered.

// waitScript counts a request if it may go now, and returns {0, 0, 0};
// else it returns {wait, perRoom, poll}: wait in microseconds (at least,
// when poll is 1: the budget waits for answers), perRoom 1 when the room's
// budget holds the request.
//
// ARGV: 1 uid, 2 configured limit (0: account not paced), 3 configured
// window, 4 margin, 5 the API's window, 6 room limit (0: rooms not paced),
// 7 room window, 8 flightTTL, 9 keyTTL, 10 room (1 for a post).
var waitScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local uid = ARGV[1]
local cfgLimit, cfgWindow, margin, apiWindow = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local roomLimit, roomWindow = tonumber(ARGV[6]), tonumber(ARGV[7])
local flightTTL, keyTTL, isRoom = tonumber(ARGV[8]), tonumber(ARGV[9]), ARGV[10] == '1'
local wait, perRoom, poll = 0, 0, 0
local function later(d, room, p)
  if d > wait then wait, perRoom, poll = d, room, p end
end

local blocked = tonumber(redis.call('GET', KEYS[4]) or '0')
later(blocked - now, 0, 0)

redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - flightTTL)
local flying = redis.call('ZCARD', KEYS[3])
local ended = false
local limit, window = cfgLimit, cfgWindow
if cfgLimit > 0 then
  local srv = redis.call('HMGET', KEYS[2], 'limit', 'remaining', 'reset', 'first', 'ended', 'old')
  local endAt = nil
  if srv[1] then
    local slimit, remaining, reset, first = tonumber(srv[1]), tonumber(srv[2]), tonumber(srv[3]), tonumber(srv[4])
    if slimit ~= cfgLimit then
      limit, window = slimit, apiWindow
    elseif first >= 0 and first + cfgWindow < reset then
      reset = first + cfgWindow
    end
    endAt = reset + math.min(margin, math.floor(window / 100))
    if now < endAt then
      if remaining - flying <= 0 then later(endAt - now, 0, 0) end
    else
      ended = true
      local old = flying
      if srv[5] == '1' then
        old = math.min(tonumber(srv[6]), flying)
      else
        redis.call('DEL', KEYS[1]) -- a new window: the log starts afresh
      end
      redis.call('HSET', KEYS[2], 'ended', '1', 'old', old)
      if limit - redis.call('ZCARD', KEYS[1]) - old <= 0 then later(math.max(margin, 1), 0, 1) end
    end
  end
  local span = window + math.min(margin, math.floor(window / 100))
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - span)
  local n = redis.call('ZCARD', KEYS[1])
  if n >= limit then
    local oldest = redis.call('ZRANGE', KEYS[1], n - limit, n - limit, 'WITHSCORES')
    local d = tonumber(oldest[2]) + span - now
    if endAt and not ended then d = math.min(d, endAt - now) end
    later(d, 0, 0)
  end
end

if isRoom and roomLimit > 0 then
  local rblocked = tonumber(redis.call('GET', KEYS[7]) or '0')
  later(rblocked - now, 1, 0)
  local span = roomWindow + math.min(margin, math.floor(roomWindow / 100))
  redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', now - span)
  redis.call('ZREMRANGEBYSCORE', KEYS[6], '-inf', now - flightTTL)
  local answered, pending = redis.call('ZCARD', KEYS[5]), redis.call('ZCARD', KEYS[6])
  local n = answered + pending
  if n >= roomLimit then
    local k = n - roomLimit + 1
    if k <= answered then
      local e = redis.call('ZRANGE', KEYS[5], k - 1, k - 1, 'WITHSCORES')
      later(tonumber(e[2]) + span - now, 1, 0)
    else
      later(span, 1, 1)
    end
  end
end

if wait > 0 then return {wait, perRoom, poll} end

if cfgLimit > 0 then
  redis.call('ZADD', KEYS[1], now, uid)
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(limit + 1))
  redis.call('PEXPIRE', KEYS[1], keyTTL)
end
redis.call('ZADD', KEYS[3], now, uid)
redis.call('PEXPIRE', KEYS[3], keyTTL)
if isRoom and roomLimit > 0 then
  redis.call('ZADD', KEYS[6], now, uid)
  redis.call('PEXPIRE', KEYS[6], keyTTL)
end
return {0, 0, 0}
`)

// observeScript takes in an answer: the request leaves the flight sets, a
// post's answer time enters its room's log, the headers correct the
// server's window (a later reset replaces it, the same reset lowers
// remaining), and a 429 holds back the account or the room.
//
// ARGV: 1 uid, 2 status, 3 has headers (1/0), 4 limit, 5 remaining,
// 6 reset (µs), 7 room limited (1/0), 8 room window, 9 room (1/0),
// 10 room limit, 11 keyTTL, 12 hold after a 429 without a usable reset,
// 13 configured window, 14 margin, 15 how late an answer for a window that
// should have ended shows that the server's window is another.
var observeScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local uid, status, hasRL = ARGV[1], tonumber(ARGV[2]), ARGV[3] == '1'
local limit, remaining, reset = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local roomLimited, roomWindow, isRoom = ARGV[7] == '1', tonumber(ARGV[8]), ARGV[9] == '1'
local roomLimit, keyTTL, hold = tonumber(ARGV[10]), tonumber(ARGV[11]), tonumber(ARGV[12])
local cfgWindow, margin, late = tonumber(ARGV[13]), tonumber(ARGV[14]), tonumber(ARGV[15])

-- Every request in flight when the window ended has been answered: this
-- one was sent after the end.
local before = redis.call('HMGET', KEYS[2], 'ended', 'old')
local sentAfterEnd = before[1] == '1' and tonumber(before[2]) == 0
redis.call('ZREM', KEYS[3], uid)
if before[1] == '1' then
  redis.call('HSET', KEYS[2], 'old', math.min(tonumber(before[2]), redis.call('ZCARD', KEYS[3])))
end
if hasRL then
  local cur = tonumber(redis.call('HGET', KEYS[2], 'reset') or '-1')
  if reset > cur then
    redis.call('DEL', KEYS[2])
    redis.call('HSET', KEYS[2], 'limit', limit, 'remaining', remaining, 'reset', reset, 'first', now, 'ended', '0', 'old', 0)
  elseif reset == cur then
    local srv = redis.call('HMGET', KEYS[2], 'remaining', 'first', 'ended')
    redis.call('HSET', KEYS[2], 'limit', limit, 'remaining', math.min(tonumber(srv[1]), remaining))
    local first = tonumber(srv[2])
    if srv[3] == '1' and first >= 0 and (sentAfterEnd or now > first + cfgWindow + margin + late) then
      -- The server still counts in a window that should have ended: its
      -- window is not the configured one. Believe the reset alone.
      redis.call('HSET', KEYS[2], 'first', -1, 'ended', '0', 'remaining', remaining)
    end
  end
  redis.call('PEXPIRE', KEYS[2], keyTTL)
end
if isRoom and roomLimit > 0 then
  redis.call('ZREM', KEYS[6], uid)
  redis.call('ZADD', KEYS[5], now, uid)
  redis.call('ZREMRANGEBYRANK', KEYS[5], 0, -(roomLimit + 1))
  redis.call('PEXPIRE', KEYS[5], keyTTL)
end
if status == 429 then
  if roomLimited then
    if isRoom then redis.call('SET', KEYS[7], now + roomWindow, 'PX', keyTTL) end
  elseif hasRL then
    if remaining == 0 and reset > now then redis.call('SET', KEYS[4], reset, 'PX', keyTTL) end
  else
    redis.call('SET', KEYS[4], now + hold, 'PX', keyTTL)
  end
end
return 0
`)
