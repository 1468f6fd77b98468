-- One embeddings input again and again: after the first, every answer comes from the cache
-- (unless the run sends Cache-Control: no-cache, which makes each one go to the backend).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"model":"emb","input":"the same text every time"}'
