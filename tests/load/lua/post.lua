-- POST to one path (args[1]) a body that is never reused: thread n reads "<token>\t<json>" lines
-- from "<args[2]>.<n>" and sends each exactly once (a fresh user and fresh seats per request).
-- Every 201 is counted and, when the reply has an "id", the id is appended to "<args[3]>.<n>" so
-- the driver can check afterwards that every booking seen to succeed exists. Running out of lines
-- wraps around and is counted as "exhausted": the driver then rejects the run.
local summary = require("summary")

local threads = {}
local lines = {}
local next_line = 0
local path
local out
statuses = {}
created = 0
exhausted = 0

function setup(thread)
  threads[#threads + 1] = thread
  thread:set("tid", #threads)
end

function init(args)
  path = args[1]
  for line in io.lines(args[2] .. "." .. tid) do
    lines[#lines + 1] = line
  end
  out = io.open(args[3] .. "." .. tid, "w")
  out:setvbuf("line")
end

function request()
  next_line = next_line + 1
  local line = lines[next_line]
  if line == nil then
    exhausted = exhausted + 1
    line = lines[(next_line - 1) % #lines + 1]
  end
  local token, body = line:match("^([^\t]+)\t(.*)$")
  return wrk.format("POST", path, {
    ["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/json",
  }, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status == 201 then
    created = created + 1
    local id = body:match('^{"id":"([^"]+)"')
    if id then
      out:write(id, "\n")
    end
  end
end

function done(result, latency, requests)
  summary.print(threads, result, latency, { "created", "exhausted" })
end
