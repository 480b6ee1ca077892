-- wrk script for bench/server/load.sh: a mix of searches and adds against one owner.
-- Every search text is unique (a question plus a request number), so no answer comes from a cache.
-- Set by load.sh in the environment: ENGRAM_KEY, ENGRAM_OWNER, LOAD_QUERIES and LOAD_TEXTS (files
-- of JSON string literals, one per line), LOAD_SEARCH_SHARE (0..100), and LOAD_ACKS: when set, a
-- folder where each wrk thread writes the id of every add the server acknowledged (201 stored, or
-- 200 with the record it was merged into), one per line, so that load.sh can check that none of
-- them was lost.
local function lines(path)
  local out = {}
  for l in io.lines(path) do out[#out + 1] = l end
  return out
end

local queries = lines(os.getenv("LOAD_QUERIES"))
local texts = lines(os.getenv("LOAD_TEXTS"))
local share = tonumber(os.getenv("LOAD_SEARCH_SHARE") or "70")
local base = "/v1/owners/" .. os.getenv("ENGRAM_OWNER") .. "/memories"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("ENGRAM_KEY")
wrk.headers["Content-Type"] = "application/json"

local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
end

local acks = os.getenv("LOAD_ACKS") or ""

function init(args)
  math.randomseed(os.time() * 1000 + id)
  n = 0
  if acks ~= "" then
    ack_file = io.open(acks .. "/thread-" .. id .. ".ids", "w")
    ack_file:setvbuf("line")  -- wrk never closes a thread's files
  end
end

-- Defined only when acknowledgements are recorded: with `response`, wrk reads every body.
if acks ~= "" then
  function response(status, headers, body)
    if status == 201 or (status == 200 and body:find('"event"', 1, true)) then
      local memory_id = body:match('"id"%s*:%s*"([^"]+)"')
      if memory_id then ack_file:write(memory_id, "\n") end
    end
  end
end

-- A JSON string literal with " #N" added before its closing quote.
local function numbered(literal, k)
  return literal:sub(1, -2) .. " #" .. k .. '"'
end

function request()
  n = n + 1
  local k = id * 100000000 + n
  if math.random(100) <= share then
    local q = numbered(queries[math.random(#queries)], k)
    return wrk.format("POST", base .. "/search", nil, '{"query":' .. q .. ',"top_k":10}')
  end
  local t = numbered(texts[math.random(#texts)], k)
  return wrk.format("POST", base, nil, '{"text":' .. t .. ',"type":"episode"}')
end
