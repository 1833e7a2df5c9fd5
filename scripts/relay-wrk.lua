-- wrk script for scripts/relay-wrk.sh. With RELAY_WRK_MODE=post it POSTs 1 KiB envelopes
-- with a unique id per request (run tag, thread number, counter) to the mailboxes listed in
-- $RELAY_WRK_CAPS (one "MAILBOX TOKEN" line each, written by `relay-load --wrk-setup`), round
-- robin, with each mailbox's capability header; with RELAY_WRK_MODE=health it GETs /healthz.
-- Either way it prints one machine-readable RESULT line at the end.

local mode = os.getenv("RELAY_WRK_MODE") or "post"

local caps_file = os.getenv("RELAY_WRK_CAPS") or "caps.txt"
local run_tag = os.getenv("RELAY_WRK_RUN") or tostring(os.time())
local payload_bytes = tonumber(os.getenv("RELAY_WRK_PAYLOAD") or "1024")

local threads = {}
local counter = 0

local b64chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

-- Standard base64 of `n` pseudo-random bytes (the relay stores ciphertext; any bytes do).
local function payload_b64(n)
  local out, acc, bits = {}, 0, 0
  for i = 1, n do
    acc = acc * 256 + ((i * 31) % 251)
    bits = bits + 8
    while bits >= 6 do
      bits = bits - 6
      local v = math.floor(acc / 2 ^ bits) % 64
      out[#out + 1] = b64chars:sub(v + 1, v + 1)
    end
    acc = acc % (2 ^ bits)
  end
  if bits > 0 then
    local v = (acc * 2 ^ (6 - bits)) % 64
    out[#out + 1] = b64chars:sub(v + 1, v + 1)
  end
  while #out % 4 ~= 0 do out[#out + 1] = "=" end
  return table.concat(out)
end

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

local mailboxes, tokens, body_tail

function init(args)
  if mode ~= "post" then return end
  mailboxes, tokens = {}, {}
  for line in io.lines(caps_file) do
    local m, t = line:match("^(%S+)%s+(%S+)$")
    if m then
      mailboxes[#mailboxes + 1] = m
      tokens[#tokens + 1] = t
    end
  end
  assert(#mailboxes > 0, "no mailboxes in " .. caps_file)
  body_tail = '","payload":"' .. payload_b64(payload_bytes) .. '"}'
end

function request()
  if mode ~= "post" then return wrk.format("GET", "/healthz") end
  counter = counter + 1
  local k = (counter + tid) % #mailboxes + 1
  local id = string.format("wrk-%s-%d-%d", run_tag, tid, counter)
  return wrk.format("POST", "/v1/mailboxes/" .. mailboxes[k] .. "/envelopes", {
    ["Content-Type"] = "application/json",
    ["X-Lantern-Capability"] = tokens[k],
  }, '{"id":"' .. id .. body_tail)
end

function done(summary, latency, requests)
  local secs = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    "RESULT " .. mode .. " requests=%d rate=%.0f p50_ms=%.2f p99_ms=%.2f non2xx=%d socket_errors=%d\n",
    summary.requests, summary.requests / secs, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, e.status, e.connect + e.read + e.write + e.timeout))
end
