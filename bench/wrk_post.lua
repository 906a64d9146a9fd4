-- Shared by the wrk scripts (loaded with require "bench.wrk_post" from the repository root).
local M = {}

-- A POST of `body` as `content_type`, asking for JSON, with the -H headers kept:
-- wrk.format replaces wrk.headers (the -H options) with the table it is given.
function M.post(content_type, body)
  local headers = {}
  for name, value in pairs(wrk.headers) do headers[name] = value end
  headers["Content-Type"] = content_type
  headers["Accept"] = "application/json"
  return wrk.format("POST", nil, headers, body)
end

return M
