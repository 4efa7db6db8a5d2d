-- wrk script: plain GETs of $SYNCMON_BENCH_PATH, counting non-2xx answers.
wrk.method = "GET"
wrk.path = os.getenv("SYNCMON_BENCH_PATH") or "/-/healthy"

function done(summary, latency, requests)
  io.write(string.format("non2xx=%d\n", summary.errors.status))
end
