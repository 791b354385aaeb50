-- serve_rate.lua — wrk script: paces each connection so that all of them together send about
-- RATE requests per second (environment variable; wrk's delay() hook, in milliseconds).
-- Used by bench/run_serve_bench.sh for the fixed-rate half of the benchmark.
local rate = tonumber(os.getenv("RATE") or "5000")
local conns = tonumber(os.getenv("CONNS") or "64")
function delay()
  return 1000 * conns / rate
end
