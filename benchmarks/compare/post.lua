-- wrk script of benchmarks/compare.sh: POST a chat.completion request naming the model alias
-- (MODEL, default "bench"), and print the run's figures as one JSON line (latencies in µs).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"model":"' .. (os.getenv("MODEL") or "bench") ..
  '","messages":[{"role":"user","content":"Where is my order? It was due on Monday."}],"max_tokens":64}'

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'MGBENCH {"requests":%d,"duration_us":%d,"bytes":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"p999_us":%d,' ..
    '"mean_us":%.1f,"max_us":%d,"errors":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9),
    latency.mean, latency.max, e.connect + e.read + e.write + e.status + e.timeout,
    e.connect, e.read, e.write, e.status, e.timeout))
end
