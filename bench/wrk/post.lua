-- wrk script for the Keyward benchmark (bench/run.ts): POSTs JSON bodies read from a file, one body a line,
-- cycled in order from a start offset, and counts answers that are not 200 or lack an expected substring
-- (several may be given, separated by "&&").
--
--   wrk -t1 -c50 -d10s -s bench/wrk/post.lua http://127.0.0.1:PORT/v2/keys.verifyKey -- BODIES EXPECT OFFSET [AUTH]
--
-- Every request is formatted once in init(), so the load generator does as little work per request as it can,
-- and the same script drives the node:http ceiling, Keyward and the peer alike.
--
-- Nothing is sent until every connection is open (docs/decisions/0045-steady-state-latency.md): Node 20's libuv
-- accepts one connection per turn of its event loop, so connections opened while the server is already answering
-- others wait for a turn each, and their first requests measured that ramp (wrk's max and, through its correction
-- for coordinated omission, its p99), not the server's steady state. wrk connects all its connections when its thread
-- starts; the first request waits OPEN_PAUSE_US, during which the idle server accepts them all, and the pause is
-- taken out of the duration that req/s is computed over.

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

local requests = {}
local count = 0
local index = 0
local expect = {}
local OPEN_PAUSE_US = 50000
local ffi = require("ffi")
ffi.cdef[[ int usleep(unsigned int usec); ]]
-- wrk 4.1 calls request() once before its threads start, to check what it returns; the load's first request is the
-- second call (test/bench-wrk-open.test.ts fails if that changes).
local calls = 0
-- Globals: read per thread by done() through thread:get().
mismatches = 0
sample = ""
paused_us = 0

function init(args)
  local path = args[1]
  -- Several substrings may be given, separated by "&&"; every one must occur.
  if args[2] ~= nil and args[2] ~= "" then
    for part in string.gmatch(args[2] .. "&&", "(.-)&&") do
      if part ~= "" then table.insert(expect, part) end
    end
  end
  local offset = tonumber(args[3] or "0") or 0
  if args[4] ~= nil and args[4] ~= "" then wrk.headers["Authorization"] = args[4] end
  for line in io.lines(path) do
    if line ~= "" then
      count = count + 1
      requests[count] = wrk.format(nil, nil, nil, line)
    end
  end
  if count == 0 then error("no request bodies in " .. path) end
  index = offset % count
end

function request()
  calls = calls + 1
  if calls == 2 then
    ffi.C.usleep(OPEN_PAUSE_US)
    paused_us = OPEN_PAUSE_US
  end
  index = index + 1
  if index > count then index = 1 end
  return requests[index]
end

function response(status, headers, body)
  local ok = status == 200
  if ok then
    for _, part in ipairs(expect) do
      if string.find(body, part, 1, true) == nil then
        ok = false
        break
      end
    end
  end
  if not ok then
    mismatches = mismatches + 1
    if sample == "" then sample = tostring(status) .. " " .. string.sub(body or "", 1, 200) end
  end
end

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

local function escape(s)
  return (string.gsub(s, '[%c"\\]', function(c) return string.format("\\u%04x", string.byte(c)) end))
end

function done(summary, latency, requests)
  local total_mismatches = 0
  local first_sample = ""
  local paused = 0
  for _, thread in ipairs(threads) do
    total_mismatches = total_mismatches + (thread:get("mismatches") or 0)
    paused = math.max(paused, thread:get("paused_us") or 0)
    local s = thread:get("sample") or ""
    if first_sample == "" then first_sample = s end
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"open_pause_us":%d,"bytes":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%.1f,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},"mismatches":%d,"sample":"%s"}\n',
    summary.requests, summary.duration - paused, paused, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean,
    e.connect, e.read, e.write, e.status, e.timeout, total_mismatches, escape(first_sample)))
end
