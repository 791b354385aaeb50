-- serve_rate.lua — wrk script: paces the connections so that together they send about RATE
-- requests per second (environment: RATE, CONNS, THREADS as given to wrk). Each wrk thread has its
-- own copy: it delays each request (wrk's delay() hook, ms) and once a second, from the first full
-- one, scales the delay by the rate it got over the rate it wants (by 0.5x to 2x), which makes up
-- for the answers' latency. The requests are counted in delay() (called once per request sent), not
-- in a response() hook: with one, wrk parses every answer's headers into a Lua table, which costs
-- the load generator CPU that it then takes from the grid it shares the cores with.
-- Used by bench/run_serve_bench.sh for the fixed-rate part.
local rate = tonumber(os.getenv("RATE") or "5000")
local conns = tonumber(os.getenv("CONNS") or "64")
local threads = tonumber(os.getenv("THREADS") or "2")
local want = rate / threads            -- this thread's share
local d = 1000 * (conns / threads) / want
local sec, count, started = os.time(), 0, false

function delay()
  count = count + 1
  local now = os.time()
  if now ~= sec then
    if started then -- the first second is partial: measure from the first full one
      local f = (count / (now - sec)) / want
      if f < 0.5 then f = 0.5 elseif f > 2 then f = 2 end
      d = d * f
    end
    started = true
    sec, count = now, 0
  end
  return d
end
