-- Every request a different embeddings input, so every answer is a new cache entry.
local counter = 0
request = function()
  counter = counter + 1
  local body = string.format('{"model":"emb","input":"flood %d %d %s"}', counter, math.random(1, 1e9), string.rep("x", 200))
  return wrk.format("POST", "/v1/embeddings", {["Content-Type"] = "application/json"}, body)
end
