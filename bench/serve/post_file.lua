-- wrk: POST the file named by the first script argument as application/json
-- (wrk ... -s post_file.lua URL -- BODY.json). The request is formatted once per thread.
local req

function init(args)
  local f = assert(io.open(args[1], "rb"))
  local body = f:read("*a")
  f:close()
  req = wrk.format("POST", nil, {["Content-Type"] = "application/json"}, body)
end

function request()
  return req
end
