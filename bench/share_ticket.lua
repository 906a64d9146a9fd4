-- wrk script: one share_ticket call per request, each with its own request key.
local due = os.getenv("DUE_DATE")
local n = 0
math.randomseed(os.time())

request = function()
  n = n + 1
  local key = string.format("%08x%08x%08x%08x", math.random(0, 0x7fffffff), math.random(0, 0x7fffffff), n, math.random(0, 0x7fffffff))
  local body = "draft%5Bticket_type%5D=incident&draft%5Bname%5D=Bench+share+" .. n ..
    "&draft%5Bdescription%5D=Measured+by+bench%2Fshare_latency.sh&draft%5Bpriority%5D=3" ..
    "&draft%5Bdue_date%5D=" .. due .. "&draft%5Bcategory%5D=Identity&draft%5Brequest_key%5D=" .. key
  -- wrk.format replaces wrk.headers (the -H options) with the table it is given.
  local headers = {}
  for name, value in pairs(wrk.headers) do headers[name] = value end
  headers["Content-Type"] = "application/x-www-form-urlencoded"
  headers["Accept"] = "application/json"
  return wrk.format("POST", nil, headers, body)
end
