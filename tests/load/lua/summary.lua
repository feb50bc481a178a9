-- Shared by the bench scripts: wrk's done() hook printing one JSON line the driver parses.
local summary = {}

local function encode(value)
  if type(value) == "table" then
    local parts = {}
    for key, item in pairs(value) do
      parts[#parts + 1] = string.format("%q:%s", tostring(key), encode(item))
    end
    return "{" .. table.concat(parts, ",") .. "}"
  elseif type(value) == "string" then
    return string.format("%q", value)
  end
  return tostring(value)
end

-- threads: the wrk thread objects kept by setup(); counters: names of per-thread numeric globals
-- and status tables to add up.
function summary.print(threads, result, latency, counters)
  local totals = { statuses = {} }
  for _, name in ipairs(counters or {}) do totals[name] = 0 end
  for _, thread in ipairs(threads) do
    for _, name in ipairs(counters or {}) do
      totals[name] = totals[name] + (thread:get(name) or 0)
    end
    local statuses = thread:get("statuses") or {}
    for status, count in pairs(statuses) do
      local key = tostring(status)
      totals.statuses[key] = (totals.statuses[key] or 0) + count
    end
  end
  local errors = result.errors
  local report = {
    requests = result.requests,
    duration_us = result.duration,
    bytes = result.bytes,
    connect_errors = errors.connect,
    read_errors = errors.read,
    write_errors = errors.write,
    timeouts = errors.timeout,
    status_errors = errors.status,
    p50_us = latency:percentile(50),
    p90_us = latency:percentile(90),
    p99_us = latency:percentile(99),
    max_us = latency.max,
    mean_us = latency.mean,
    counters = totals,
  }
  io.write("BENCH_JSON ", encode(report), "\n")
end

return summary
