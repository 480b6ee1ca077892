-- wrk script for bench/server/load.sh: a mix of searches and adds against one owner.
-- Every search text is unique (a question plus a request number), so no answer comes from a cache.
-- Set by load.sh in the environment: ENGRAM_KEY, ENGRAM_OWNER, LOAD_QUERIES and LOAD_TEXTS (files
-- of JSON string literals, one per line), LOAD_SEARCH_SHARE (0..100).
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

function init(args)
  math.randomseed(os.time() * 1000 + id)
  n = 0
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
