-- wrk script: POSTs the body in $SYNCMON_BENCH_BODY to the path in $SYNCMON_BENCH_PATH.
wrk.method = "POST"
wrk.path = os.getenv("SYNCMON_BENCH_PATH") or "/api/v1/push"
wrk.headers["Content-Type"] = os.getenv("SYNCMON_BENCH_CONTENT_TYPE") or "application/json"
local file = assert(io.open(os.getenv("SYNCMON_BENCH_BODY"), "rb"))
wrk.body = file:read("*a")
file:close()

-- Counts non-2xx answers so that a benchmark of rejected pushes cannot pass for a fast one.
local errors = 0
function response(status, headers, body)
  if status >= 300 then
    errors = errors + 1
  end
end

function done(summary, latency, requests)
  io.write(string.format("non2xx=%d\n", summary.errors.status))
end
