-- wrk script: the same incident POSTed straight to the Table API.
local n = 0

request = function()
  n = n + 1
  local body = '{"short_description":"Bench direct ' .. n .. '","description":"Measured by bench/share_latency.sh",' ..
    '"impact":"2","urgency":"2","correlation_display":"Microsoft 365 Security and Configuration Change Request"}'
  -- wrk.format replaces wrk.headers (the -H options) with the table it is given.
  local headers = {}
  for name, value in pairs(wrk.headers) do headers[name] = value end
  headers["Content-Type"] = "application/json"
  headers["Accept"] = "application/json"
  return wrk.format("POST", nil, headers, body)
end
