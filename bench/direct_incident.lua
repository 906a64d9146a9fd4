-- wrk script: the same incident POSTed straight to the Table API.
local wrk_post = require("bench.wrk_post")
local n = 0

request = function()
  n = n + 1
  local body = '{"short_description":"Bench direct ' .. n .. '","description":"Measured by bench/share_latency.sh",' ..
    '"impact":"2","urgency":"2","correlation_display":"Microsoft 365 Security and Configuration Change Request"}'
  return wrk_post.post("application/json", body)
end
