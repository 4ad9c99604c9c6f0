-- Shared by every scenario (appended to its script, so it sees the script's `threads`, the threads
-- its setup() kept): print one JSON line with throughput, latency percentiles and errors, and the
-- answers of 500 and above and the confirmation pages the threads counted.
function done(summary, latency, requests)
  local server_errors_total, confirmed = 0, 0
  for _, t in ipairs(threads or {}) do
    server_errors_total = server_errors_total + (t:get("server_errors") or 0)
    confirmed = confirmed + (t:get("confirmations") or 0)
  end
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
               + summary.errors.timeout + summary.errors.status
  io.write(string.format(
    'WRK_JSON {"requests": %d, "seconds": %.3f, "rps": %.2f, "p50_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f, ' ..
    '"errors": %d, "status_errors": %d, "server_errors": %d, "confirmed": %d}\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    errors, summary.errors.status, server_errors_total, confirmed))
end
