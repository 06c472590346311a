-- wrk script: replays a pool of pre-signed requests (bench/suite/pool.ts writes it: one raw request
-- per line, CRLF written as TAB). Arguments after `--`: pool file, first entry, thread count.
-- Thread k of n takes entries first+k, first+k+n, ... so no two threads ever send the same entry
-- (Alibaba nonces are single-use), and each reports how many it sent: past its slice it wraps,
-- which the bench refuses for a server that remembers nonces.
local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  local path, first, n = args[1], tonumber(args[2]), tonumber(args[3])
  pool = {}
  local i = 0
  for line in io.lines(path) do
    if i >= first and (i - first) % n == id then
      pool[#pool + 1] = (line:gsub("\t", "\r\n"))
    end
    i = i + 1
  end
  size = #pool
  if size == 0 then error("no pool entries for thread " .. id) end
  sent = 0
  bad = {}
  -- Process CPU (all threads) once this thread's pool is loaded: the load starts after it.
  loaded_cpu = os.clock()
end

function request()
  sent = sent + 1
  return pool[(sent - 1) % size + 1]
end

-- Only answers that are not 2xx are looked at: their status and the first body say why.
function response(status, headers, body)
  if status >= 300 then
    if next(bad) == nil then first_bad_body = string.sub(body or "", 1, 300) end
    bad[status] = (bad[status] or 0) + 1
  end
end

function done(summary, latency, requests)
  local loaded = 0
  for _, thread in ipairs(threads) do
    local t_loaded = thread:get("loaded_cpu")
    if t_loaded > loaded then loaded = t_loaded end
    io.write(string.format("pool-thread %d sent %d slice %d\n", thread:get("id"), thread:get("sent"), thread:get("size")))
    for status, count in pairs(thread:get("bad")) do
      io.write(string.format("pool-bad-status %d %d\n", status, count))
    end
    if thread:get("first_bad_body") then
      io.write("pool-bad-body " .. string.gsub(thread:get("first_bad_body") or "", "[\r\n]", " ") .. "\n")
    end
  end
  io.write(string.format("pool-cpu loaded %.6f done %.6f\n", loaded, os.clock()))
end
