-- scripts/bench-webhook.lua: the wrk script of scripts/bench.
--
-- Sends one fixed, signed Messenger webhook as POST to the URL given to wrk, counts the answers
-- by HTTP status, and prints a summary that scripts/bench parses. Read from the environment:
--
--   HERALD_BENCH_BODY_FILE   the exact body bytes to send (required)
--   HERALD_BENCH_SIGNATURE   X-Hub-Signature-256 for that body: "sha256=<hex HMAC-SHA256>" (required)
--   HERALD_BENCH_DELAY_MS    optional pause before each request on each connection, in ms;
--                            with C connections the offered rate is about C * 1000 / (delay + latency)
--
-- The signature is computed once by the caller (openssl), so the load generator spends nothing on
-- HMAC and every request carries the same bytes; Herald stores every copy (no deduplication).
--
-- Output (stdout, after wrk's own report), one line scripts/bench greps for:
--   HERALD_BENCH requests=N duration_us=N ok=N non200=N errors_connect=N errors_read=N
--                errors_write=N errors_timeout=N p50_us=N p90_us=N p99_us=N max_us=N
-- plus a human-readable line per status seen.

local function required_env(name)
    local value = os.getenv(name)
    if value == nil or value == "" then
        error("scripts/bench-webhook.lua: " .. name .. " is not set")
    end
    return value
end

local body_path = required_env("HERALD_BENCH_BODY_FILE")
local file = assert(io.open(body_path, "rb"))
local body = file:read("*a")
file:close()

wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Hub-Signature-256"] = required_env("HERALD_BENCH_SIGNATURE")

local delay_ms = tonumber(os.getenv("HERALD_BENCH_DELAY_MS") or "") or 0
if delay_ms > 0 then
    -- wrk calls delay() before each request on a connection and waits that many milliseconds.
    function delay()
        return delay_ms
    end
end

-- Each wrk thread runs its own copy of this script: the counters below are per thread, and
-- done() (which runs in the main state) gathers them through the thread objects kept here.
local threads = {}

function setup(thread)
    table.insert(threads, thread)
end

function init(args)
    statuses = {}
end

function response(status, headers, body)
    statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
    local totals = {}
    for _, thread in ipairs(threads) do
        local counts = thread:get("statuses") or {}
        for status, count in pairs(counts) do
            totals[status] = (totals[status] or 0) + count
        end
    end

    local ok, non200, codes = 0, 0, {}
    for status, count in pairs(totals) do
        table.insert(codes, status)
        if status == 200 then ok = ok + count else non200 = non200 + count end
    end
    table.sort(codes)
    for _, status in ipairs(codes) do
        io.write(string.format("status %d: %d responses\n", status, totals[status]))
    end
    if non200 > 0 then
        io.write(string.format("NOT 200: %d responses\n", non200))
    end

    local e = summary.errors
    io.write(string.format(
        "HERALD_BENCH requests=%d duration_us=%d ok=%d non200=%d errors_connect=%d errors_read=%d "
            .. "errors_write=%d errors_timeout=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d\n",
        summary.requests, summary.duration, ok, non200, e.connect, e.read, e.write, e.timeout,
        latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
