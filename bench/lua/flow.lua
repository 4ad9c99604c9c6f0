-- A signed-in person's whole journey, repeated: GET a form page, POST it with the hidden tokens it
-- carries, GET the confirmation page it redirects to, then undo (GET + POST <confirmation>/UNDO) so
-- that the same person may book again. One connection per thread keeps each thread's steps in order.
-- Configured per thread by setup(): cookie and list of form paths. Env: FIELDS (urlencoded extra
-- fields for the form), UNDO (suffix of the undo form, e.g. "/cancel"), UNDO_FIELDS.
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

function init(args)
  local cookies, forms = {}, {}
  for c in string.gmatch(os.getenv("COOKIES") or "", "[^|]+") do table.insert(cookies, c) end
  for f in string.gmatch(os.getenv("FORMS") or "", "[^|]+") do table.insert(forms, f) end
  cookie = cookies[((id - 1) % #cookies) + 1]
  my_forms = {}
  -- each thread takes every n-th form path, so threads never compete for the same form
  local n = tonumber(os.getenv("THREADS") or "1")
  for k, f in ipairs(forms) do if (k - 1) % n == id - 1 then table.insert(my_forms, f) end end
  fields = os.getenv("FIELDS") or ""
  undo = os.getenv("UNDO") or ""
  undo_fields = os.getenv("UNDO_FIELDS") or ""
  step, form_i, pending_body, next_path = "get_form", 0, nil, nil
  confirmations, server_errors = 0, 0
  local dir = os.getenv("CONFIRM_DIR")
  if dir then log = io.open(dir .. "/confirmed-" .. id .. ".txt", "a") end
end

-- Summed over threads by report.lua's done().
function thread_totals()
  local errors, confirmed = 0, 0
  for _, t in ipairs(threads) do
    errors = errors + (t:get("server_errors") or 0)
    confirmed = confirmed + (t:get("confirmations") or 0)
  end
  return errors, confirmed
end

local function hidden(body, name)
  return string.match(body, 'name="' .. name .. '" type="hidden" value="([^"]*)"')
      or string.match(body, 'name="' .. name .. '" value="([^"]*)"')
      or string.match(body, 'value="([^"]*)" name="' .. name .. '"')
end

local function enc(s)
  return (string.gsub(s, "[^%w%-_%.~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

request = function()
  local headers = {["Cookie"] = cookie}
  if step == "get_form" then
    form_i = (form_i % #my_forms) + 1
    current_form = my_forms[form_i]
    return wrk.format("GET", current_form, headers)
  elseif step == "post_form" or step == "post_undo" then
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    return wrk.format("POST", next_path, headers, pending_body)
  else
    return wrk.format("GET", next_path, headers)
  end
end

response = function(status, headers, body)
  if status >= 500 then server_errors = server_errors + 1 end
  if step == "get_form" then
    local csrf = hidden(body, "csrf_token")
    local token = hidden(body, "submission_token")
    if status ~= 200 or not csrf then step = "get_form"; return end
    pending_body = "csrf_token=" .. enc(csrf) .. (token and ("&submission_token=" .. enc(token)) or "")
    if fields ~= "" then pending_body = pending_body .. "&" .. fields end
    next_path, step = current_form, "post_form"
  elseif step == "post_form" then
    local location = headers["Location"]
    if status == 302 and location then
      next_path = string.gsub(location, "^https?://[^/]+", "")
      step = "get_confirmation"
    else
      step = "get_form"
    end
  elseif step == "get_confirmation" then
    if status == 200 then
      confirmations = confirmations + 1
      if log then log:write(next_path .. "\n"); log:flush() end
    end
    if undo ~= "" and status == 200 then
      confirmation = next_path
      next_path, step = next_path .. undo, "get_undo"
    else
      step = "get_form"
    end
  elseif step == "get_undo" then
    local csrf = hidden(body, "csrf_token")
    if status ~= 200 or not csrf then step = "get_form"; return end
    pending_body = "csrf_token=" .. enc(csrf)
    if undo_fields ~= "" then pending_body = pending_body .. "&" .. undo_fields end
    step = "post_undo"
  elseif step == "post_undo" then
    step = "get_form"
  end
end
