-- GET one or more paths in turn, optionally with a session cookie (COOKIE env var); answers of 500 and
-- above are counted apart from other errors (report.lua prints them as server_errors).
local paths = {}
for p in string.gmatch(os.getenv("PATHS") or "/", "[^,]+") do table.insert(paths, p) end
local cookie = os.getenv("COOKIE")
local user_agent = os.getenv("BENCH_USER_AGENT") or "portal-bench"  -- the one the sign-in used
local i = 0
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  server_errors = 0
end

request = function()
  i = (i % #paths) + 1
  local headers = {["User-Agent"] = user_agent}
  if cookie and cookie ~= "" then headers["Cookie"] = cookie end
  return wrk.format("GET", paths[i], headers)
end

response = function(status, headers, body)
  if status >= 500 then server_errors = server_errors + 1 end
end
