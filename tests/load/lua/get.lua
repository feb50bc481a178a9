-- GET one path (args[1]) as many users: each request carries the next bearer token of the token
-- file (args[2], one per line), round robin. No response() hook, so big bodies cost wrk nothing
-- beyond reading them; non-2xx replies are wrk's status errors.
local summary = require("summary")

local threads = {}
local ready = {}
local next_index = 0

function setup(thread)
  threads[#threads + 1] = thread
  thread:set("offset", #threads * 7919)
end

function init(args)
  local path = args[1]
  for token in io.lines(args[2]) do
    ready[#ready + 1] = wrk.format("GET", path, { ["Authorization"] = "Bearer " .. token })
  end
  next_index = offset % #ready
end

function request()
  next_index = next_index % #ready + 1
  return ready[next_index]
end

function done(result, latency, requests)
  summary.print(threads, result, latency, {})
end
