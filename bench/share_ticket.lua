-- wrk script: one share_ticket call per request, each with its own request key.
local wrk_post = require("bench.wrk_post")
local due = os.getenv("DUE_DATE")
local n = 0
math.randomseed(os.time())

request = function()
  n = n + 1
  local key = string.format("%08x%08x%08x%08x", math.random(0, 0x7fffffff), math.random(0, 0x7fffffff), n, math.random(0, 0x7fffffff))
  local body = "draft%5Bticket_type%5D=incident&draft%5Bname%5D=Bench+share+" .. n ..
    "&draft%5Bdescription%5D=Measured+by+bench%2Fshare_latency.sh&draft%5Bpriority%5D=3" ..
    "&draft%5Bdue_date%5D=" .. due .. "&draft%5Bcategory%5D=Identity&draft%5Brequest_key%5D=" .. key
  return wrk_post.post("application/x-www-form-urlencoded", body)
end
