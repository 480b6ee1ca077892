#include "store/redis/scripts.h"

namespace engram::store::redis::scripts {

// An item member starts "<seq>|<role>|<created_at>|" (layout.h).
#define ENGRAM_ITEM_HEAD "'^(%d+)|(%a+)|(%-?%d+)|'"
// layout.cc's EscapeId in Lua.
#define ENGRAM_LUA_ESCAPE                                                  \
  "local function esc(s) return (string.gsub(s, '[^%w_%.%-]', function(c)" \
  " return string.format('%%%02X', string.byte(c)) end)) end\n"

// KEYS: items. ARGV: n, role ("" : any), cap ("+inf" or a seq). {the seq of the n-th last item
// of that role (0 when fewer), the last seq}, counting only items with seq <= cap.
const Script kNthLast{
    "local n, role, cap = tonumber(ARGV[1]), ARGV[2], ARGV[3]\n"
    "local function seq_of(m) return tonumber(string.match(m, '^(%d+)|')) end\n"
    "local top = redis.call('ZREVRANGEBYSCORE', KEYS[1], cap, '-inf', 'LIMIT', 0, 1)\n"
    "local last = 0\n"
    "if #top > 0 then last = seq_of(top[1]) end\n"
    "if role == '' then\n"
    "  local nth = redis.call('ZREVRANGEBYSCORE', KEYS[1], cap, '-inf', 'LIMIT', n - 1, 1)\n"
    "  if #nth == 0 then return {0, last} end\n"
    "  return {seq_of(nth[1]), last}\n"
    "end\n"
    "local offset, seen = 0, 0\n"
    "while true do\n"
    "  local ms = redis.call('ZREVRANGEBYSCORE', KEYS[1], cap, '-inf', 'LIMIT', offset, 256)\n"
    "  if #ms == 0 then return {0, last} end\n"
    "  for j = 1, #ms do\n"
    "    local seq, r = string.match(ms[j], " ENGRAM_ITEM_HEAD
    ")\n"
    "    if r == role then seen = seen + 1 if seen == n then return {tonumber(seq), last} end end\n"
    "  end\n"
    "  offset = offset + #ms\n"
    "end\n"};

// KEYS: items. ARGV: hi. The seq of the last non-tool item with seq <= hi; 0 when none.
const Script kPrecedingNonTool{
    "local offset = 0\n"
    "while true do\n"
    "  local ms = redis.call('ZREVRANGEBYSCORE', KEYS[1], ARGV[1], '-inf', 'LIMIT', offset, 64)\n"
    "  if #ms == 0 then return 0 end\n"
    "  for j = 1, #ms do\n"
    "    local seq, r = string.match(ms[j], " ENGRAM_ITEM_HEAD
    ")\n"
    "    if r ~= 'tool' then return tonumber(seq) end\n"
    "  end\n"
    "  offset = offset + #ms\n"
    "end\n"};

// KEYS: the owner's sessions. ARGV: limit, session key base. Flat pairs (session id, member):
// the last `limit` items of the sessions active last, walked newest first until a session's last
// activity is older than the limit-th newest item found. Items of a session are stamped in seq
// order, so no item past that point can rank; the caller sorts exactly and keeps `limit`.
const Script kRecentOwnerItems{
    ENGRAM_LUA_ESCAPE
    "local limit, base = tonumber(ARGV[1]), ARGV[2]\n"
    "local sessions = redis.call('ZREVRANGE', KEYS[1], 0, -1, 'WITHSCORES')\n"
    "local found, times = {}, {}\n"
    "for j = 1, #sessions, 2 do\n"
    "  if #times >= limit then\n"
    "    table.sort(times, function(a, b) return a > b end)\n"
    "    if tonumber(sessions[j + 1]) < times[limit] then break end\n"
    "  end\n"
    "  local sid = sessions[j]\n"
    "  local ms = redis.call('ZREVRANGE', base .. esc(sid) .. ':items', 0, limit - 1)\n"
    "  for _, m in ipairs(ms) do\n"
    "    local _, _, t = string.match(m, " ENGRAM_ITEM_HEAD
    ")\n"
    "    found[#found + 1] = sid\n"
    "    found[#found + 1] = m\n"
    "    times[#times + 1] = tonumber(t)\n"
    "  end\n"
    "end\n"
    "return found\n"};

// KEYS: the owner's sessions. ARGV: except, session key base. {session id, started_at,
// last_active_at, items} of the session active last other than `except`; {} when none. Sessions
// that expired are skipped (the index outlives them until its own TTL).
const Script kLastActiveSession{
    ENGRAM_LUA_ESCAPE
    "local sessions = redis.call('ZREVRANGE', KEYS[1], 0, -1)\n"
    "for _, sid in ipairs(sessions) do\n"
    "  if sid ~= ARGV[1] then\n"
    "    local key = ARGV[2] .. esc(sid)\n"
    "    local meta = redis.call('HMGET', key .. ':meta', 'c', 'u')\n"
    "    if meta[1] then\n"
    "      local items = key .. ':items'\n"
    "      local n = redis.call('ZCARD', items)\n"
    "      local started, last = tonumber(meta[1]), tonumber(meta[2])\n"
    "      if n > 0 then\n"
    "        local _, _, t0 = string.match(redis.call('ZRANGE', items, 0, 0)[1], " ENGRAM_ITEM_HEAD
    ")\n"
    "        local _, _, t1 = string.match(redis.call('ZRANGE', items, -1, "
    "-1)[1], " ENGRAM_ITEM_HEAD
    ")\n"
    "        started, last = tonumber(t0), tonumber(t1)\n"
    "      end\n"
    "      return {sid, started, last, n}\n"
    "    end\n"
    "  end\n"
    "end\n"
    "return {}\n"};

// KEYS: items. ARGV: cutoff. The seqs of the items created before cutoff, then of the tool
// results left at the head without their call.
const Script kRetentionPlan{
    "local cutoff = tonumber(ARGV[1])\n"
    "local first = redis.call('ZRANGE', KEYS[1], 0, 0)\n"
    "if #first == 0 then return {} end\n"
    "local _, r0, t0 = string.match(first[1], " ENGRAM_ITEM_HEAD
    ")\n"
    "if tonumber(t0) >= cutoff and r0 ~= 'tool' then return {} end\n"
    "local out, rest = {}, {}\n"
    "for _, m in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do\n"
    "  local seq, r, t = string.match(m, " ENGRAM_ITEM_HEAD
    ")\n"
    "  if tonumber(t) < cutoff then out[#out + 1] = tonumber(seq)\n"
    "  else rest[#rest + 1] = {tonumber(seq), r} end\n"
    "end\n"
    "for _, it in ipairs(rest) do\n"
    "  if it[2] ~= 'tool' then break end\n"
    "  out[#out + 1] = it[1]\n"
    "end\n"
    "return out\n"};

// KEYS: the write locks. ARGV: token, ttl seconds (0: keep), then the changes in order, each
// "kind, items key, meta key, sessions key, owner id, session id" and its fields:
//   A  n, n x (seq, member), created_at of the last  append items
//   F  from_seq                                      delete items with seq >= from_seq
//   Q  n, n x seq                                    delete these items
//   D                                                delete the session
//   S  text, updated_at, through_seq                 set the summary
//   O                                                delete the owner's index of sessions
// Each change then re-scores the session in its owner's index (its last item's time, else its
// last change) and refreshes the TTL of the three keys; then the locks are deleted. Refuses,
// changing nothing, when a lock is no longer ours (its lease ran out and another writer may have
// taken it).
const Script kCommit{
    "for _, k in ipairs(KEYS) do\n"
    "  if redis.call('GET', k) ~= ARGV[1] then\n"
    "    return redis.error_reply('ENGRAMLOCK a session write lock expired before the commit')\n"
    "  end\n"
    "end\n"
    "local ttl, i = tonumber(ARGV[2]), 3\n"
    "local function touch(items, meta, index, sid)\n"
    "  if redis.call('EXISTS', meta) == 0 then redis.call('ZREM', index, sid) return end\n"
    "  local last, score = redis.call('ZRANGE', items, -1, -1), nil\n"
    "  if #last > 0 then\n"
    "    local _, _, t = string.match(last[1], " ENGRAM_ITEM_HEAD
    ")\n"
    "    score = t\n"
    "  else score = redis.call('HGET', meta, 'u') end\n"
    "  redis.call('ZADD', index, score, sid)\n"
    "  for _, k in ipairs({items, meta, index}) do\n"
    "    if ttl > 0 then redis.call('EXPIRE', k, ttl) else redis.call('PERSIST', k) end\n"
    "  end\n"
    "end\n"
    "local function row(meta, owner, sid, t)\n"
    "  if redis.call('HSETNX', meta, 'c', t) == 1 then redis.call('HSET', meta, 'o', owner, 's', "
    "sid)"
    " end\n"
    "  redis.call('HSET', meta, 'u', t)\n"
    "end\n"
    "while i <= #ARGV do\n"
    "  local kind, items, meta, index, owner, sid = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3],"
    " ARGV[i + 4], ARGV[i + 5]\n"
    "  i = i + 6\n"
    "  if kind == 'A' then\n"
    "    local n = tonumber(ARGV[i]) i = i + 1\n"
    "    for _ = 1, n do redis.call('ZADD', items, ARGV[i], ARGV[i + 1]) i = i + 2 end\n"
    "    row(meta, owner, sid, ARGV[i]) i = i + 1\n"
    "  elseif kind == 'F' then redis.call('ZREMRANGEBYSCORE', items, ARGV[i], '+inf') i = i + 1\n"
    "  elseif kind == 'Q' then\n"
    "    local n = tonumber(ARGV[i]) i = i + 1\n"
    "    for _ = 1, n do redis.call('ZREMRANGEBYSCORE', items, ARGV[i], ARGV[i]) i = i + 1 end\n"
    "  elseif kind == 'D' then redis.call('DEL', items, meta)\n"
    "  elseif kind == 'S' then\n"
    "    row(meta, owner, sid, ARGV[i + 1])\n"
    "    redis.call('HSET', meta, 'st', ARGV[i], 'su', ARGV[i + 1], 'ss', ARGV[i + 2]) i = i + 3\n"
    "  elseif kind == 'O' then redis.call('DEL', index) end\n"
    "  if kind ~= 'O' then touch(items, meta, index, sid) end\n"
    "end\n"
    "for _, k in ipairs(KEYS) do redis.call('DEL', k) end\n"
    "return 'OK'\n"};

// KEYS: the lock. ARGV: token, lease in ms. 1 when renewed, 0 when the lock is not ours.
const Script kRenewLock{
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2])"
    " end\n"
    "return 0\n"};

// KEYS: the lock. ARGV: token.
const Script kUnlock{
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end\n"
    "return 0\n"};

// KEYS: ids, checkpoints. ARGV: max, min (ZREVRANGEBYLEX bounds of one namespace). The encoded
// checkpoint with the greatest member in the range; nil when none.
const Script kLatestCheckpoint{
    "local m = redis.call('ZREVRANGEBYLEX', KEYS[1], ARGV[1], ARGV[2], 'LIMIT', 0, 1)\n"
    "if #m == 0 then return false end\n"
    "return redis.call('HGET', KEYS[2], m[1])\n"};

// ARGV: thread key base, max, min, limit (-1: all), then thread ids. Flat pairs (thread id,
// member) of each thread's members in [min, max], greatest first, at most `limit` per thread.
const Script kCheckpointMembers{
    ENGRAM_LUA_ESCAPE
    "local out, limit = {}, tonumber(ARGV[4])\n"
    "for j = 5, #ARGV do\n"
    "  local key, ms = ARGV[1] .. esc(ARGV[j]) .. ':ids', nil\n"
    "  if limit < 0 then ms = redis.call('ZREVRANGEBYLEX', key, ARGV[2], ARGV[3])\n"
    "  else ms = redis.call('ZREVRANGEBYLEX', key, ARGV[2], ARGV[3], 'LIMIT', 0, limit) end\n"
    "  for _, m in ipairs(ms) do out[#out + 1] = ARGV[j] out[#out + 1] = m end\n"
    "end\n"
    "return out\n"};

// ARGV: thread key base, then pairs (thread id, member). The encoded checkpoints in that order,
// nil for one that is gone.
const Script kGetCheckpoints{
    ENGRAM_LUA_ESCAPE
    "local out = {}\n"
    "for j = 2, #ARGV, 2 do\n"
    "  out[#out + 1] = redis.call('HGET', ARGV[1] .. esc(ARGV[j]) .. ':c', ARGV[j + 1])\n"
    "end\n"
    "return out\n"};

// KEYS: checkpoints, values. ARGV: member. The encoded values of the versions the checkpoint
// names (its first field, layout.h) that are stored; {} when the checkpoint is unknown.
const Script kChannelValues{
    "local cp = redis.call('HGET', KEYS[1], ARGV[1])\n"
    "if not cp then return {} end\n"
    "local n, at = string.match(cp, '^(%d+):()')\n"
    "local names, out = string.sub(cp, at, at + tonumber(n) - 1), {}\n"
    "for f in string.gmatch(names, '%S+') do\n"
    "  local v = redis.call('HGET', KEYS[2], f)\n"
    "  if v then out[#out + 1] = v end\n"
    "end\n"
    "return out\n"};

// KEYS: checkpoints, values, write keys. ARGV: the thread's key. {checkpoints (HGETALL),
// values (HGETALL), {write key member, its writes (HGETALL)}...}.
const Script kLoadThread{
    "local writes = {}\n"
    "for _, m in ipairs(redis.call('SMEMBERS', KEYS[3])) do\n"
    "  writes[#writes + 1] = m\n"
    "  writes[#writes + 1] = redis.call('HGETALL', ARGV[1] .. ':w:' .. m)\n"
    "end\n"
    "return {redis.call('HGETALL', KEYS[1]), redis.call('HGETALL', KEYS[2]), writes}\n"};

// KEYS: the write locks. ARGV: token, ttl seconds (0: keep), the number of commands, each as
// its argument count and arguments, then pairs (owner's index of threads, thread key) of the
// threads written. Runs the commands, then sets every key of each thread written (and its
// owner's index) to expire `ttl` seconds later, or persist, and deletes the locks. Refuses,
// changing nothing, when a lock is no longer the token's.
const Script kCommitCheckpoints{
    "for _, k in ipairs(KEYS) do\n"
    "  if redis.call('GET', k) ~= ARGV[1] then\n"
    "    return redis.error_reply('ENGRAMLOCK a checkpoint write lock expired before the commit')\n"
    "  end\n"
    "end\n"
    "local ttl, n, i = tonumber(ARGV[2]), tonumber(ARGV[3]), 4\n"
    "for _ = 1, n do\n"
    "  local argc = tonumber(ARGV[i])\n"
    "  redis.call(unpack(ARGV, i + 1, i + argc))\n"
    "  i = i + argc + 1\n"
    "end\n"
    "local function keep(k)\n"
    "  if ttl > 0 then redis.call('EXPIRE', k, ttl) else redis.call('PERSIST', k) end\n"
    "end\n"
    "while i <= #ARGV do\n"
    "  local index, t = ARGV[i], ARGV[i + 1]\n"
    "  i = i + 2\n"
    "  keep(index)\n"
    "  for _, s in ipairs({':ids', ':c', ':v', ':wk'}) do keep(t .. s) end\n"
    "  for _, m in ipairs(redis.call('SMEMBERS', t .. ':wk')) do keep(t .. ':w:' .. m) end\n"
    "end\n"
    "for _, k in ipairs(KEYS) do redis.call('DEL', k) end\n"
    "return 'OK'\n"};

}  // namespace engram::store::redis::scripts
