-- scripts/bench-webhook.lua: the wrk script of scripts/bench and scripts/bench-pipeline.
--
-- Sends signed Messenger webhooks as POST to the URL given to wrk, counts the answers by HTTP
-- status, and prints a summary that the scripts parse. Read from the environment:
--
--   HERALD_BENCH_BODY_FILE   one fixed body to send every time (scripts/bench), with
--   HERALD_BENCH_SIGNATURE   its X-Hub-Signature-256: "sha256=<hex HMAC-SHA256>"
--   HERALD_BENCH_BODIES_FILE instead: pre-signed webhooks, one per line ("<signature>\t<body>",
--                            `herald-bench webhooks`); wrk thread i of n sends lines i, i+n, ...
--                            in order, each once, and stops sending when its share runs out
--   HERALD_BENCH_THREADS     with either of the two below: wrk's -t (default 1)
--   HERALD_BENCH_RATE        optional: requests per second to offer, over all threads; each thread
--                            schedules its requests at fixed times (start + k / its share of the
--                            rate) and delays a connection until the next slot, so the offered
--                            rate does not follow the server's latency while connections are free
--   HERALD_BENCH_DELAY_MS    optional pause before each request on each connection, in ms;
--                            with C connections the offered rate is about C * 1000 / (delay + latency)
--
-- The signatures are computed by the caller (openssl, or herald-bench), so the load generator
-- spends nothing on HMAC; Herald stores every copy (no deduplication).
--
-- Output (stdout, after wrk's own report), one line the scripts grep for:
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

local bodies_path = os.getenv("HERALD_BENCH_BODIES_FILE") or ""
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
if bodies_path == "" then
    local file = assert(io.open(required_env("HERALD_BENCH_BODY_FILE"), "rb"))
    wrk.body = file:read("*a")
    file:close()
    wrk.headers["X-Hub-Signature-256"] = required_env("HERALD_BENCH_SIGNATURE")
end

local delay_ms = tonumber(os.getenv("HERALD_BENCH_DELAY_MS") or "") or 0
local rate = tonumber(os.getenv("HERALD_BENCH_RATE") or "") or 0

-- Each wrk thread runs its own copy of this script: the counters below are per thread, and
-- done() (which runs in the main state) gathers them through the thread objects kept here.
local threads = {}

-- wrk runs a thread's init() right after that thread's setup(), before the next thread exists,
-- so the number of threads comes from the caller (HERALD_BENCH_THREADS, wrk's -t).
local thread_total = tonumber(os.getenv("HERALD_BENCH_THREADS") or "") or 1

function setup(thread)
    thread:set("thread_index", #threads)
    thread:set("thread_count", thread_total)
    table.insert(threads, thread)
end

-- A monotonic clock in seconds (LuaJIT's FFI; wrk has no clock of its own for scripts).
local clock
if rate > 0 then
    local ffi = require("ffi")
    ffi.cdef [[
        typedef struct { long tv_sec; long tv_nsec; } herald_timespec;
        int clock_gettime(int clock_id, herald_timespec *tp);
    ]]
    local now = ffi.new("herald_timespec")
    clock = function()
        ffi.C.clock_gettime(1, now) -- CLOCK_MONOTONIC
        return tonumber(now.tv_sec) + tonumber(now.tv_nsec) / 1e9
    end
end

function init(args)
    statuses = {}
    if bodies_path ~= "" then
        requests, next_request = {}, 1
        local line_number = 0
        for line in io.lines(bodies_path) do
            if line_number % thread_count == thread_index then
                local tab = line:find("\t", 1, true)
                table.insert(requests, wrk.format("POST", nil,
                    { ["Content-Type"] = "application/json", ["X-Hub-Signature-256"] = line:sub(1, tab - 1) },
                    line:sub(tab + 1)))
            end
            line_number = line_number + 1
        end
    end
    if rate > 0 then
        interval, slots, started = thread_count / rate, 0, nil
    end
end

if bodies_path ~= "" then
    -- Past its share, a thread repeats its last request: wrk cannot stop a connection, so the
    -- caller gives each thread more lines than the run needs (rate x duration, plus a margin).
    function request()
        local index = next_request
        if index < #requests then next_request = index + 1 end
        return requests[index]
    end
end

if rate > 0 then
    -- wrk calls delay() before each request on a connection and waits that many milliseconds.
    function delay()
        local now = clock()
        started = started or now
        local slot = started + slots * interval
        slots = slots + 1
        return math.max(0, math.floor((slot - now) * 1000 + 0.5))
    end
elseif delay_ms > 0 then
    function delay()
        return delay_ms
    end
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
