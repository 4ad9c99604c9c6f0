-- GET one or more paths in turn, optionally with a session cookie (COOKIE env var).
local paths = {}
for p in string.gmatch(os.getenv("PATHS") or "/", "[^,]+") do table.insert(paths, p) end
local cookie = os.getenv("COOKIE")
local i = 0
request = function()
  i = (i % #paths) + 1
  local headers = {}
  if cookie and cookie ~= "" then headers["Cookie"] = cookie end
  return wrk.format("GET", paths[i], headers)
end
