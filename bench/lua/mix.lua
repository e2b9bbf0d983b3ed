-- A fixed load: BENCH_REQUESTS answers (default 5000) over a mix of endpoints, then stop.
-- wrk still waits out --duration; the caller keeps it short.
local limit = tonumber(os.getenv("BENCH_REQUESTS") or "5000")
local echo = '{"message":"hello, lockstep","metadata":{"client":"wrk"}}'
local requests = {
  wrk.format("GET", "/health"),
  wrk.format("POST", "/echo", {["Content-Type"] = "application/json"}, echo),
  wrk.format("GET", "/nope"),
  wrk.format("GET", "/readiness"),
  wrk.format("GET", "/info"),
  wrk.format("GET", "/metrics"),
}
local sent, seen = 0, 0

request = function()
  sent = sent + 1
  return requests[(sent % #requests) + 1]
end

response = function(status, headers, body)
  seen = seen + 1
  if seen >= limit then wrk.thread:stop() end
end
