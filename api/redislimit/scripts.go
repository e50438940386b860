package redislimit

import "github.com/redis/go-redis/v9"

// The scripts keep the budgets in Redis, each run atomically. Times are
// Redis's own (TIME), in microseconds, so replicas with skewed clocks agree
// (milliseconds would round an answer time down by up to one, enough for a
// 429 when windows are short). Key expiries (keyTTL) are in milliseconds.
// They follow the rules of package pacing's in-memory limiter (its
// window.go explains the account's window), with Redis's clock for ours.
//
// Keys (see Limiter.keys), all under one hash tag so that a cluster keeps
// them on one node:
//
//	1 account log      sorted set: send times of the account's requests
//	2 account server   hash: the server's window (limit, remaining, reset,
//	                   first: when its first answer came, long, spent,
//	                   ended, old: in flight when it ended), the bounds lo
//	                   and hi of the server's clock minus Redis's, and the
//	                   tries after its guessed end (fails, next, trying:
//	                   the member of the try in flight)
//	3 account flight   sorted set: requests let through, not yet answered
//	4 account block    string: no request before this time (after a 429
//	                   without headers)
//	5 room log         sorted set: answer times of the room's posts
//	6 room flight      sorted set: posts let through, not yet answered
//	7 room block       string: no post before this time (after a room 429)
//	8 room queue       sorted set: posts waiting, by arrival
//	9 room alive       sorted set: the same posts, by when their replica
//	                   promised to ask again
//
// The room's keys are the room's, whatever the account: Chatwork's limit
// belongs to the room, so two tokens posting to one room share them.
//
// Every value read is checked before it is believed, with the bounds the
// client applies to headers: a key of the wrong type, a hash field that is
// not a number in its range, a time in the future, a set larger than its
// budget allows is deleted (repaired) and named in the answer, and the
// call goes on as if the key were empty. Every key written gets an expiry
// (keyTTL), so an abandoned account or room disappears on its own; a
// request in flight for longer than flightTTL is taken as answered.

// prelude is the first part of every script: the time, checks and the
// rules of the server's window.
const prelude = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local SECOND = 1000000
local repaired = {}
local function s(x) return string.format('%.0f', x) end
local function repair(key, why)
  redis.call('DEL', key)
  repaired[#repaired + 1] = key .. ': ' .. why
end
-- typed makes sure key holds a value of type want, or nothing.
local function typed(key, want)
  local ty = redis.call('TYPE', key)['ok']
  if ty ~= 'none' and ty ~= want then repair(key, 'a ' .. ty .. ' where a ' .. want .. ' belongs') end
end
-- int reads v as a whole number within lo..hi, or nil.
local function int(v, lo, hi)
  local n = tonumber(v)
  if n == nil or n ~= n or n < lo or n > hi or math.floor(n) ~= n then return nil end
  return n
end
-- clock reads a string key holding a time no later than latest; nil when
-- empty, repaired when not such a time.
local function clock(key, latest)
  typed(key, 'string')
  local v = redis.call('GET', key)
  if not v then return nil end
  local n = int(v, 0, latest)
  if not n then repair(key, 'not a time within its bound: ' .. string.sub(v, 1, 40)) end
  return n
end
-- zclean drops the members of a sorted set scored later than latest, and
-- the whole set when it holds more than max members.
local function zclean(key, latest, max)
  typed(key, 'zset')
  local gone = redis.call('ZREMRANGEBYSCORE', key, '(' .. s(latest), '+inf')
  if gone > 0 then repaired[#repaired + 1] = key .. ': ' .. gone .. ' members in the future' end
  if redis.call('ZCARD', key) > max then repair(key, 'more members than its budget allows') end
end

local apiWindow, margin, resetSlack, cfgLimit, cfgWindow, flightTTL, keyTTL
-- server reads the server's window (KEYS[2]), checked; nil when unknown.
local function server()
  typed(KEYS[2], 'hash')
  local f = redis.call('HMGET', KEYS[2], 'limit', 'remaining', 'reset', 'first', 'long', 'spent', 'ended', 'old',
    'lo', 'hi', 'fails', 'next', 'trying')
  if not f[1] and not f[2] and not f[3] and not f[4] then
    if redis.call('EXISTS', KEYS[2]) == 1 then repair(KEYS[2], 'a window without its limit') end
    return nil
  end
  local far = 2 * (apiWindow + resetSlack)
  local S = {limit = int(f[1], 1, 1048576)}
  S.remaining = S.limit and int(f[2], 0, S.limit)
  S.reset = int(f[3], now - far, now + far)
  S.first = int(f[4], now - keyTTL * 1000, now + SECOND)
  local ok = S.limit and S.remaining and S.reset and S.first
  for i, k in ipairs({'long', 'spent', 'ended'}) do
    S[k] = int(f[4 + i] or 0, 0, 1)
    ok = ok and S[k]
  end
  S.old = int(f[8] or 0, 0, 2097152)
  S.fails = int(f[11] or 0, 0, 64)
  ok = ok and S.old and S.fails
  if f[9] then S.lo = int(f[9], -far, far); ok = ok and S.lo end
  if f[10] then S.hi = int(f[10], -far, far); ok = ok and S.hi end
  if f[12] then S.next = int(f[12], now - keyTTL * 1000, now + far); ok = ok and S.next end
  if f[13] then S.trying = f[13]; ok = ok and string.len(f[13]) <= 64 end
  if not ok then
    repair(KEYS[2], 'a field out of its range')
    return nil
  end
  return S
end
-- length is how long the server's window lasts: the configured window for
-- the configured limit, the API's for another.
local function length(S)
  if S.limit == cfgLimit and cfgWindow > 0 then return cfgWindow end
  return apiWindow
end
local function pad(S) return math.min(margin, math.floor(length(S) / 100)) end
local function step(S) return math.max(math.floor(length(S) / 32), 1000) end
-- certainEnd is when the window has certainly ended, or nil.
local function certainEnd(S)
  local e = nil
  if S.long ~= 1 then e = S.first + length(S) end
  if S.lo and (e == nil or S.reset - S.lo < e) then e = S.reset - S.lo end
  if e then return e + pad(S) end
  return nil
end
-- guess is the likeliest offset of the server's clock from Redis's.
local function guess(S)
  if (not S.lo or S.lo < 0) and (not S.hi or S.hi > 0) then return 0 end
  if S.lo and S.hi then return S.lo + math.floor((S.hi - S.lo) / 2) end
  if S.hi then return S.hi - step(S) end
  return S.lo
end
-- tryAt is when one request may go to find out whether the window has
-- ended before it certainly has; nil when that would gain little.
local function tryAt(S)
  local at = S.reset - guess(S) + pad(S)
  if S.next and at < S.next then at = S.next end
  local e = certainEnd(S)
  if e and at >= e - math.max(math.min(math.floor(length(S) / 50), SECOND), pad(S)) then return nil end
  return at
end
-- below and above record bounds of the offset; a bound that contradicts
-- the other voids it (the clocks moved).
local function below(S, d)
  if S.hi and d >= S.hi then return end
  S.hi = d
  if S.lo and S.lo >= d then S.lo = nil end
end
local function above(S, d)
  if S.lo and d <= S.lo then return end
  S.lo = d
  if S.hi and S.hi <= d then S.hi = nil end
end
local function keepClock(S)
  redis.call('HDEL', KEYS[2], 'lo', 'hi')
  if S.lo then redis.call('HSET', KEYS[2], 'lo', s(S.lo)) end
  if S.hi then redis.call('HSET', KEYS[2], 'hi', s(S.hi)) end
end
local function answer(head)
  for _, r in ipairs(repaired) do head[#head + 1] = r end
  return head
end
`

// waitScript counts a request if it may go now, and returns
// {0, 0, 0, now, try}; else {wait, perRoom, poll, now, 0}: wait in
// microseconds (at least, when poll is 1: the budget waits for answers),
// perRoom 1 when the room's budget holds the request. now is Redis's
// clock; try is 1 when the request goes as a try of whether the server's
// window has ended. A wait of -1 means the script ran after deadline: the
// replica had given up waiting for it, so it did nothing. The repairs made
// follow.
//
// A post waits in its room's queue: it may go when fewer than the room's
// limit are in the room's window (answered or in flight) counting the
// posts queued before it, so that posts are served in order of arrival.
// A waiter that does not ask again by the time it promised (alive) leaves
// the queue.
//
// ARGV: 1 uid, 2 configured limit (0: account not paced), 3 configured
// window, 4 margin, 5 the API's window, 6 room limit (0: rooms not paced),
// 7 room window, 8 flightTTL, 9 keyTTL, 10 room (1 for a post), 11 deadline
// (0: none), 12 the longest wait the caller accepts, 13 the replica's poll
// interval, 14 grace (how late a waiter may ask again), 15 resetSlack,
// 16 hold (after an account 429 without headers).
var waitScript = redis.NewScript(prelude + `
local uid = ARGV[1]
cfgLimit, cfgWindow, margin, apiWindow = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local roomLimit, roomWindow = tonumber(ARGV[6]), tonumber(ARGV[7])
flightTTL, keyTTL = tonumber(ARGV[8]), tonumber(ARGV[9])
local isRoom, deadline, allowed = ARGV[10] == '1', tonumber(ARGV[11]), tonumber(ARGV[12])
local poll, grace, hold = tonumber(ARGV[13]), tonumber(ARGV[14]), tonumber(ARGV[16])
resetSlack = tonumber(ARGV[15])
if deadline > 0 and now > deadline then return {-1, 0, 0, now, 0} end

local wait, perRoom, polls, try = 0, 0, 0, false
local function later(d, room, p)
  if d > wait then wait, perRoom, polls = d, room, p end
end

local blocked = clock(KEYS[4], now + hold + SECOND)
if blocked then later(blocked - now, 0, 0) end

local S = server()
local cap = 1000000
if cfgLimit > 0 or S then cap = 2 * math.max(cfgLimit, S and S.limit or 0) + 2 * roomLimit + 16 end
zclean(KEYS[3], now + SECOND, cap)
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', s(now - flightTTL))
local flying = redis.call('ZCARD', KEYS[3])
local paced = cfgLimit > 0
local mayEnd = nil
if S and (paced or S.spent == 1) then
  local e = certainEnd(S)
  if e and now >= e then
    if not paced then
      redis.call('HSET', KEYS[2], 'spent', 0)
    else
      local old = flying
      if S.ended == 1 then
        old = math.min(S.old, flying)
      else
        redis.call('DEL', KEYS[1]) -- a new window: the log starts afresh
      end
      redis.call('HSET', KEYS[2], 'ended', 1, 'old', old)
      S.ended = 1
      if S.limit - redis.call('ZCARD', KEYS[1]) - old <= 0 then later(math.max(margin, 1), 0, 1) end
    end
  elseif (paced and S.remaining - flying > 0) or (not paced and S.spent ~= 1) then
    -- the server's budget has some left
  else
    local live = S.trying and redis.call('ZSCORE', KEYS[3], S.trying)
    local at = nil
    if not live then at = tryAt(S) end
    if at and now >= at then
      try = true
    elseif at and (e == nil or at < e) then
      later(at - now, 0, 0)
    elseif e then
      later(e - now, 0, live and 1 or 0)
    else
      later(math.max(margin, 1), 0, 1)
    end
  end
  if S.ended ~= 1 then
    mayEnd = certainEnd(S)
    if not (S.trying and redis.call('ZSCORE', KEYS[3], S.trying)) then
      local at = tryAt(S)
      if at and (mayEnd == nil or at < mayEnd) then mayEnd = at end
    end
  end
end
local limit, window = cfgLimit, cfgWindow
if paced and not try then
  if S and S.limit ~= cfgLimit then limit, window = S.limit, apiWindow end
  local span = window + math.min(margin, math.floor(window / 100))
  zclean(KEYS[1], now + SECOND, 1048576)
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', s(now - span))
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(limit + 1))
  local n = redis.call('ZCARD', KEYS[1])
  if n >= limit then
    local oldest = redis.call('ZRANGE', KEYS[1], n - limit, n - limit, 'WITHSCORES')
    local d = tonumber(oldest[2]) + span - now
    if mayEnd then d = math.min(d, mayEnd - now) end
    later(d, 0, 0)
  end
end

if isRoom then
  local rblocked = clock(KEYS[7], now + roomWindow + SECOND)
  if rblocked then later(rblocked - now, 1, 0) end
end
local queued = false
if isRoom and roomLimit > 0 then
  local span = roomWindow + math.min(margin, math.floor(roomWindow / 100))
  zclean(KEYS[5], now + SECOND, 1048576)
  redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', s(now - span))
  redis.call('ZREMRANGEBYRANK', KEYS[5], 0, -(roomLimit + 1))
  zclean(KEYS[6], now + SECOND, 2 * roomLimit + 16)
  redis.call('ZREMRANGEBYSCORE', KEYS[6], '-inf', s(now - flightTTL))
  zclean(KEYS[8], now + SECOND, 100000)
  zclean(KEYS[9], now + allowed + grace + SECOND, 100000)
  for _, gone in ipairs(redis.call('ZRANGEBYSCORE', KEYS[9], '-inf', '(' .. s(now))) do
    redis.call('ZREM', KEYS[8], gone)
    redis.call('ZREM', KEYS[9], gone)
  end
  -- A waiter in the queue always has its promise in alive, but this one.
  local ghosts = 0
  for _, w in ipairs(redis.call('ZRANGE', KEYS[8], 0, -1)) do
    if w ~= uid and not redis.call('ZSCORE', KEYS[9], w) then
      redis.call('ZREM', KEYS[8], w)
      ghosts = ghosts + 1
    end
  end
  if ghosts > 0 then repaired[#repaired + 1] = KEYS[8] .. ': ' .. ghosts .. ' waiters no replica keeps' end
  if not redis.call('ZSCORE', KEYS[8], uid) then redis.call('ZADD', KEYS[8], s(now), uid) end
  queued = true
  local ahead = redis.call('ZRANK', KEYS[8], uid)
  local answered, pending = redis.call('ZCARD', KEYS[5]), redis.call('ZCARD', KEYS[6])
  local n = answered + pending + ahead
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

if wait > 0 then
  if queued then
    if wait > allowed then
      redis.call('ZREM', KEYS[8], uid)
      redis.call('ZREM', KEYS[9], uid)
    else
      local back = wait
      if polls == 1 then back = math.min(wait, poll) end
      redis.call('ZADD', KEYS[9], s(now + back + grace), uid)
      redis.call('PEXPIRE', KEYS[8], keyTTL)
      redis.call('PEXPIRE', KEYS[9], keyTTL)
    end
  end
  return answer({wait, perRoom, polls, now, 0})
end

if queued then
  redis.call('ZREM', KEYS[8], uid)
  redis.call('ZREM', KEYS[9], uid)
end
if paced then
  redis.call('ZADD', KEYS[1], s(now), uid)
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(limit + 1))
  redis.call('PEXPIRE', KEYS[1], keyTTL)
end
redis.call('ZADD', KEYS[3], s(now), uid)
redis.call('PEXPIRE', KEYS[3], keyTTL)
if try then redis.call('HSET', KEYS[2], 'trying', uid) end
if isRoom and roomLimit > 0 then
  redis.call('ZADD', KEYS[6], s(now), uid)
  redis.call('PEXPIRE', KEYS[6], keyTTL)
end
local tried = 0
if try then tried = 1 end
return answer({0, 0, 0, now, tried})
`)

// observeScript takes in an answer: the request leaves the flight sets, a
// post's answer time enters its room's log, the headers correct the
// server's window and the bounds of its clock, and a 429 holds back the
// account or the room. It returns {now}, then the repairs made.
//
// ARGV: 1 uid, 2 status, 3 has headers (1/0), 4 limit, 5 remaining,
// 6 reset (µs), 7 room limited (1/0), 8 room (1/0), 9 room limit, 10 room
// window, 11 keyTTL, 12 hold after a 429 without a usable reset,
// 13 configured limit, 14 configured window, 15 margin, 16 the API's
// window, 17 flightTTL, 18 resetSlack.
var observeScript = redis.NewScript(prelude + `
local uid, status, hasRL = ARGV[1], tonumber(ARGV[2]), ARGV[3] == '1'
local rlimit, rremaining, rreset = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local roomLimited, isRoom, roomLimit, roomWindow = ARGV[7] == '1', ARGV[8] == '1', tonumber(ARGV[9]), tonumber(ARGV[10])
keyTTL = tonumber(ARGV[11])
local hold = tonumber(ARGV[12])
cfgLimit, cfgWindow, margin, apiWindow = tonumber(ARGV[13]), tonumber(ARGV[14]), tonumber(ARGV[15]), tonumber(ARGV[16])
flightTTL, resetSlack = tonumber(ARGV[17]), tonumber(ARGV[18])

local S = server()
typed(KEYS[3], 'zset')
local sent = tonumber(redis.call('ZSCORE', KEYS[3], uid))
redis.call('ZREM', KEYS[3], uid)
if S and S.ended == 1 then
  redis.call('HSET', KEYS[2], 'old', math.min(S.old, redis.call('ZCARD', KEYS[3])))
end
local tried = S and S.trying == uid
if tried then redis.call('HDEL', KEYS[2], 'trying') end
local function fail()
  redis.call('HSET', KEYS[2], 'fails', S.fails + 1, 'next', s(now + step(S) * 2 ^ math.min(S.fails, 20)))
end
if hasRL then
  local clk = {}
  if S then clk.lo, clk.hi = S.lo, S.hi end
  if sent then below(clk, rreset - sent) end
  if not S or rreset > S.reset then
    if S then
      above(clk, S.reset - SECOND - now)
      if rreset - S.reset >= length(S) / 2 then
        redis.call('DEL', KEYS[1]) -- the server counts afresh: the log starts afresh
      end
    end
    redis.call('DEL', KEYS[2])
    redis.call('HSET', KEYS[2], 'limit', rlimit, 'remaining', rremaining, 'reset', s(rreset), 'first', s(now))
    keepClock(clk)
  else
    S.lo, S.hi = clk.lo, clk.hi
    keepClock(S)
    if rreset == S.reset then
      redis.call('HSET', KEYS[2], 'limit', rlimit, 'remaining', math.min(S.remaining, rremaining))
      S.limit = rlimit
      local e = certainEnd(S)
      if e and sent and sent >= e then
        -- Sent once the window had certainly ended, yet counted in it:
        -- the window is longer than its length says.
        redis.call('HSET', KEYS[2], 'long', 1, 'ended', 0, 'remaining', rremaining)
      end
      if tried then fail() end
    end
  end
  redis.call('PEXPIRE', KEYS[2], keyTTL)
elseif tried then
  fail()
end
if isRoom and roomLimit > 0 then
  zclean(KEYS[5], now + SECOND, 1048576)
  typed(KEYS[6], 'zset')
  redis.call('ZREM', KEYS[6], uid)
  redis.call('ZADD', KEYS[5], s(now), uid)
  redis.call('ZREMRANGEBYRANK', KEYS[5], 0, -(roomLimit + 1))
  redis.call('PEXPIRE', KEYS[5], keyTTL)
end
if status == 429 then
  if roomLimited then
    if isRoom then redis.call('SET', KEYS[7], s(now + roomWindow), 'PX', keyTTL) end
  elseif hasRL then
    local cur = server()
    if cur and rremaining == 0 and cur.reset == rreset then redis.call('HSET', KEYS[2], 'spent', 1) end
  else
    redis.call('SET', KEYS[4], s(now + hold), 'PX', keyTTL)
  end
end
return answer({now})
`)

// cancelScript forgets requests whose wait script may have run without
// its answer reaching the replica (a connection broken mid-call, a call
// that timed out): they were never sent. ARGV: the uids. It returns {now}.
var cancelScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
for _, key in ipairs(KEYS) do
  if redis.call('TYPE', key)['ok'] ~= 'zset' then
    -- not a set of requests (empty, or repaired by the next call)
  else
    for _, uid in ipairs(ARGV) do redis.call('ZREM', key, uid) end
  end
end
return {now}
`)
