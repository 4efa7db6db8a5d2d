-- wrk script: PUTs the text-format body in $SYNCMON_BENCH_BODY to one of $SYNCMON_BENCH_GROUPS
-- grouping keys in turn (/metrics/job/bench/instance/<n>), as a fleet of batch jobs would.
local groups = tonumber(os.getenv("SYNCMON_BENCH_GROUPS") or "1000")
local offset = tonumber(os.getenv("SYNCMON_BENCH_OFFSET") or "0")
local next_group = 0

wrk.method = "PUT"
wrk.headers["Content-Type"] = "text/plain; version=0.0.4"
local file = assert(io.open(os.getenv("SYNCMON_BENCH_BODY"), "rb"))
wrk.body = file:read("*a")
file:close()

function setup(thread)
  thread:set("next_group", offset)
  offset = offset + 7
end

function request()
  next_group = (next_group + 1) % groups
  return wrk.format(nil, "/metrics/job/bench/instance/" .. next_group)
end

function done(summary, latency, requests)
  io.write(string.format("non2xx=%d\n", summary.errors.status))
end
