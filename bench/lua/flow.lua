local user_agent = os.getenv("BENCH_USER_AGENT") or "portal-bench"  -- the one the sign-in used (bench/run.py)
-- A signed-in person's whole journey, repeated by each connection:
--   GET the page before the form (availability, course page) → GET the form → POST it with the
--   hidden tokens it carries → GET the confirmation page it redirects to → POST <confirmation>/UNDO
--   (cancel or drop), so the same person may book again.
-- One connection per thread keeps each thread's steps in order. Env: COOKIES ("|"-separated, one per
-- thread), FORMS ("|"-separated "before_path>form_path" entries, shared out between threads),
-- FIELDS (urlencoded extra form fields), UNDO (path suffix, e.g. "/cancel"), CONFIRM_DIR (where each
-- thread lists the confirmation pages it was served).
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

function init(args)
  local cookies, entries = {}, {}
  for c in string.gmatch(os.getenv("COOKIES") or "", "[^|]+") do table.insert(cookies, c) end
  for f in string.gmatch(os.getenv("FORMS") or "", "[^|]+") do table.insert(entries, f) end
  cookie = cookies[((id - 1) % #cookies) + 1]
  local n = tonumber(os.getenv("THREADS") or "1")
  my_forms = {}
  for k, entry in ipairs(entries) do
    if (k - 1) % n == id - 1 then
      local before, form = string.match(entry, "^(.-)>(.*)$")
      table.insert(my_forms, {before = before, form = form})
    end
  end
  if #my_forms == 0 then
    -- Fewer forms than threads (the small dataset): share one, split like the others.
    local before, form = string.match(entries[((id - 1) % #entries) + 1], "^(.-)>(.*)$")
    my_forms = {{before = before, form = form}}
  end
  fields = os.getenv("FIELDS") or ""
  undo = os.getenv("UNDO") or ""
  step, form_i = "before", 0
  confirmations, server_errors = 0, 0
  local dir = os.getenv("CONFIRM_DIR")
  if dir then log = io.open(dir .. "/confirmed-" .. id .. ".txt", "a") end
end

local function hidden(body, name)
  return string.match(body, 'name="' .. name .. '" type="hidden" value="([^"]*)"')
      or string.match(body, 'name="' .. name .. '" value="([^"]*)"')
end

local function enc(s)
  return (string.gsub(s, "[^%w%-_%.~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

request = function()
  local headers = {["Cookie"] = cookie, ["User-Agent"] = user_agent}
  if step == "before" then
    form_i = (form_i % #my_forms) + 1
    current = my_forms[form_i]
    if current.before == "" then step = "get_form" else return wrk.format("GET", current.before, headers) end
  end
  if step == "get_form" then
    return wrk.format("GET", current.form, headers)
  elseif step == "post_form" or step == "post_undo" then
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    return wrk.format("POST", next_path, headers, pending_body)
  else
    return wrk.format("GET", next_path, headers)
  end
end

response = function(status, headers, body)
  if status >= 500 then server_errors = server_errors + 1 end
  if step == "before" then
    step = "get_form"
  elseif step == "get_form" then
    local csrf = hidden(body, "csrf_token")
    local token = hidden(body, "submission_token")
    if status ~= 200 or not csrf then step = "before"; return end
    pending_body = "csrf_token=" .. enc(csrf) .. (token and ("&submission_token=" .. enc(token)) or "")
    if fields ~= "" then pending_body = pending_body .. "&" .. fields end
    next_path, step = current.form, "post_form"
  elseif step == "post_form" then
    local location = headers["Location"]
    if status == 302 and location then
      next_path, step = string.gsub(location, "^https?://[^/]+", ""), "get_confirmation"
    else
      step = "before"
    end
  elseif step == "get_confirmation" then
    local csrf = hidden(body, "csrf_token")
    if status == 200 then
      confirmations = confirmations + 1
      if log then log:write(next_path .. "\n"); log:flush() end
    end
    if undo ~= "" and status == 200 and csrf then
      next_path = string.gsub(next_path, "%?.*$", "") .. undo
      pending_body, step = "csrf_token=" .. enc(csrf), "post_undo"
    else
      step = "before"
    end
  elseif step == "post_undo" then
    step = "before"
  end
end
