"""scripts/chaos's poison drill: hostile webhook bodies (truncated JSON, wrong types, deep
nesting, a 10,000-event batch, SQL-injection strings, invalid UTF-8, non-page objects, odd
values, and valid messages beside poisonous events) shuffled into normal customer messages."""
import json
import random

from herald_tools.webhooks import message_body, now_ms

INJECTIONS = [
    "'; DROP TABLE messages; --", "1' OR '1'='1", "\"; DELETE FROM customers; --", "$$; TRUNCATE webhook_events; $$",
    "1); DROP TABLE jobs; --", "' UNION SELECT access_token::text FROM pages --", "'; SELECT pg_sleep(30); --",
    "Robert'); DROP TABLE students;--", "%' AND 1=1 --", "\\'; COPY pages TO '/tmp/x'; --", "1; NOTIFY herald_jobs; --",
    "'||(SELECT version())||'", "*/ DROP TABLE pages; /*", "0x27 OR 1=1", "`; rm -rf / #",
]


def poison_bodies(page, normal_count, bad_count, seed=20261126):
    """(category, body, variant) triples: normal messages and hostile bodies, shuffled with a fixed seed."""
    rng = random.Random(seed)
    ts = now_ms() - 60_000
    bodies = []
    for i in range(normal_count):
        psid = "normal-%03d" % (i % 100)
        bodies.append(("normal", message_body(page, psid, "m_normal_%d" % i, "Normal message %d" % i, ts + i), "normal"))

    def dump(value):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()

    def event(psid, mid, extra=None, message=None):
        e = {"sender": {"id": psid}, "recipient": {"id": page}, "timestamp": ts,
             "message": message if message is not None else {"mid": mid, "text": "hostile"}}
        if extra:
            e.update(extra)
        return e

    def envelope(events, obj="page", entry_id=None):
        return {"object": obj, "entry": [{"id": entry_id or page, "time": ts, "messaging": events}]}

    counts = {"truncated": 150, "wrong_types": 150, "deep_nesting": 100, "sql_injection": 200, "invalid_utf8": 150,
              "non_page": 100, "mixed": 20, "odd_values": bad_count - 871, "big_batch": 1}
    n = 0

    def ids(kind):
        nonlocal n
        n += 1
        return "hostile-%s-%d" % (kind, n), "m_hostile_%s_%d" % (kind, n)

    for _ in range(counts["truncated"]):
        psid, mid = ids("trunc")
        whole = message_body(page, psid, mid, "this body is cut short " * rng.randint(1, 5), ts)
        bodies.append(("truncated", whole[:rng.randint(1, len(whole) - 1)], "truncated"))

    wrong = [
        lambda p, m: {"object": "page", "entry": "not-a-list"},
        lambda p, m: {"object": "page", "entry": ["x", 1, None, True, [p]]},
        lambda p, m: {"object": "page", "entry": [{"id": page, "time": ts, "messaging": "nope"}]},
        lambda p, m: {"object": "page", "entry": [{"id": {"id": page}, "time": "later", "messaging": [event(p, m)]}]},
        lambda p, m: envelope([{"sender": {"id": {"x": 1}}, "recipient": {"id": page}, "timestamp": ts, "message": {"mid": m}}]),
        lambda p, m: envelope([{"sender": {"id": True}, "recipient": {"id": page}, "timestamp": ts, "message": {"mid": m}}]),
        lambda p, m: envelope([{"sender": {"id": 1.5}, "recipient": {"id": page}, "timestamp": ts, "message": {"mid": m}}]),
        lambda p, m: envelope([{"sender": p, "recipient": page, "timestamp": ts, "message": {"mid": m}}]),
        lambda p, m: envelope([{"sender": {"id": p}, "recipient": {"id": page}, "timestamp": "yesterday", "message": {"mid": m}}]),
        lambda p, m: envelope([{"sender": {"id": p}, "recipient": {"id": page}, "timestamp": True, "message": {"mid": m}}]),
        lambda p, m: envelope([{"sender": {"id": p}, "recipient": {"id": page}, "timestamp": None, "message": {"mid": m}}]),
        lambda p, m: envelope([{"sender": {"id": p}, "recipient": {"id": page}, "timestamp": {"ms": ts}, "message": {"mid": m}}]),
        lambda p, m: envelope([event(p, m, message=[m, "text"])]),
        lambda p, m: envelope([event(p, m, message="just a string")]),
        lambda p, m: envelope([event(p, m, message=42)]),
        lambda p, m: envelope([event(p, m, message={"mid": m, "text": 123})]),
        lambda p, m: envelope([event(p, m, message={"mid": m, "text": {"a": 1}})]),
        lambda p, m: envelope([event(p, m, message={"mid": {"id": m}, "text": "mid is an object"})]),
        lambda p, m: envelope([event(p, m, message={"mid": [m], "text": "mid is a list"})]),
        lambda p, m: envelope([event(p, m, message={"mid": m, "attachments": "not-a-list"})]),
        lambda p, m: envelope([event(p, m, message={"mid": m, "attachments": [{"type": 5, "payload": "x"}]})]),
        lambda p, m: envelope([event(p, m, message={"mid": m, "attachments": [{"type": "image", "payload": {"url": 7}}]})]),
        lambda p, m: envelope([event(p, m, message={"mid": m, "quick_reply": "payload?"})]),
        lambda p, m: envelope([{"sender": {"id": p}, "recipient": {"id": page}, "timestamp": ts,
                                "postback": {"payload": {"x": 1}, "title": 5, "mid": []}}]),
        lambda p, m: envelope([{"sender": {"id": p}, "recipient": {"id": page}, "timestamp": ts, "read": {"watermark": "abc"}}]),
        lambda p, m: envelope([{"sender": {"id": p}, "recipient": {"id": page}, "timestamp": ts,
                                "delivery": {"mids": "x", "watermark": []}}]),
        lambda p, m: envelope([{"sender": {"id": p}, "recipient": {"id": page}, "timestamp": ts, "reaction": "love"}]),
        lambda p, m: envelope([event(p, m, message={"mid": m, "text": "echo?", "is_echo": "yes", "app_id": []})]),
        lambda p, m: {"object": "page", "entry": [{"id": page, "time": ts, "standby": 5, "messaging": {"0": event(p, m)}}]},
        lambda p, m: {"object": ["page"], "entry": [{"id": page, "messaging": [event(p, m)]}]},
    ]
    for k in range(counts["wrong_types"]):
        psid, mid = ids("type")
        bodies.append(("wrong_types", dump(wrong[k % len(wrong)](psid, mid)), "wrong[%d]" % (k % len(wrong))))

    def nested_list(depth, leaf):
        value = leaf
        for _ in range(depth):
            value = [value]
        return value

    def nested_object(depth, leaf):
        value = leaf
        for _ in range(depth):
            value = {"a": value}
        return value

    deep = [
        lambda p, m: envelope([event(p, m, message={"mid": m, "text": nested_list(100, "deep")})]),
        lambda p, m: envelope([event(p, m, message={"mid": m, "text": "deep extra", "extra": nested_object(100, "x")})]),
        lambda p, m: envelope([event(p, m, message={"mid": m, "attachments": [{"type": "fallback", "payload": nested_object(100, 1)}]})]),
        lambda p, m: {"object": "page", "entry": nested_list(100, {"id": page, "messaging": [event(p, m)]})},
        lambda p, m: envelope([event(p, m, extra={"postback": nested_object(100, {"payload": "x"})})]),
    ]
    for k in range(counts["deep_nesting"]):
        psid, mid = ids("deep")
        if k % 10 == 9:  # beyond JSONSerialization's 512-level cap: 600 levels, as raw text
            bodies.append(("deep_nesting", b'{"object":"page","entry":' + b"[" * 600 + b"]" * 600 + b"}", "deep600"))
        else:
            bodies.append(("deep_nesting", dump(deep[k % len(deep)](psid, mid)), "deep[%d]" % (k % len(deep))))

    # One body with 10,000 valid customer messages (100 customers x 100), about 1.8 MB.
    batch_events = [{"sender": {"id": "batch-%03d" % (k % 100)}, "recipient": {"id": page}, "timestamp": ts + k,
                     "message": {"mid": "m_batch_%d" % k, "text": "batch %d" % k}} for k in range(10_000)]
    bodies.append(("big_batch", dump(envelope(batch_events)), "big_batch"))

    for k in range(counts["sql_injection"]):
        inj = INJECTIONS[k % len(INJECTIONS)]
        tag = "%s#%d" % (inj, k)
        shape = k % 8
        if shape == 0:    # every field of a message
            body = {"object": "page", "entry": [{"id": tag, "time": ts, "messaging": [
                {"sender": {"id": tag}, "recipient": {"id": tag}, "timestamp": ts,
                 "message": {"mid": tag, "text": inj, "quick_reply": {"payload": inj}}}]}]}
        elif shape == 1:  # a postback
            body = envelope([{"sender": {"id": tag}, "recipient": {"id": page}, "timestamp": ts,
                              "postback": {"title": inj, "payload": inj, "mid": tag}}], entry_id=page)
        elif shape == 2:  # a referral
            body = envelope([{"sender": {"id": tag}, "recipient": {"id": page}, "timestamp": ts,
                              "referral": {"ref": inj, "source": inj, "type": inj}}])
        elif shape == 3:  # a read and a delivery naming injected mids
            body = envelope([{"sender": {"id": tag}, "recipient": {"id": page}, "timestamp": ts, "read": {"watermark": ts}},
                             {"sender": {"id": tag}, "recipient": {"id": page}, "timestamp": ts,
                              "delivery": {"mids": [inj, tag], "watermark": ts}}])
        elif shape == 4:  # a reaction
            body = envelope([{"sender": {"id": tag}, "recipient": {"id": page}, "timestamp": ts,
                              "reaction": {"mid": inj, "action": inj, "reaction": inj, "emoji": inj}}])
        elif shape == 5:  # an echo whose metadata pretends to be Herald's
            body = envelope([{"sender": {"id": page}, "recipient": {"id": tag}, "timestamp": ts,
                              "message": {"is_echo": True, "app_id": inj, "metadata": "herald:1" + inj, "mid": tag, "text": inj}}])
        elif shape == 6:  # an echo with an out-of-range Herald id
            body = envelope([{"sender": {"id": page}, "recipient": {"id": tag}, "timestamp": ts,
                              "message": {"is_echo": True, "metadata": "herald:99999999999999999999999", "mid": tag, "text": inj}}])
        else:             # attachments with injected URLs and titles, timestamp as an injected string
            body = envelope([{"sender": {"id": tag}, "recipient": {"id": page}, "timestamp": inj,
                              "message": {"mid": tag, "attachments": [{"type": inj, "payload": {"url": inj, "title": inj}}]}}])
        bodies.append(("sql_injection", dump(body), "shape%d" % shape))

    def with_bytes(raw, psid, mid):
        template = message_body(page, psid, mid, "@@TEXT@@", ts)
        return template.replace(b"@@TEXT@@", raw)

    utf8 = [
        lambda p, m: with_bytes(b"caf\xe9 latin-1", p, m),
        lambda p, m: with_bytes(b"\xff\xfe\xfd", p, m),
        lambda p, m: with_bytes(b"overlong \xc0\xaf slash", p, m),
        lambda p, m: with_bytes(b"surrogate \xed\xa0\x80 in utf-8", p, m),
        lambda p, m: with_bytes(b"cut \xe2\x82", p, m),
        lambda p, m: with_bytes(b"\\ud800 lone high surrogate", p, m),
        lambda p, m: with_bytes(b"\\udc00\\ud800 reversed pair", p, m),
        lambda p, m: with_bytes(b"nul \\u0000 inside", p, m),
        lambda p, m: message_body(page, p + "\u0000x", m, "nul in the psid", ts),
        lambda p, m: message_body(page, p, m + "\u0000", "nul in the mid", ts),
        lambda p, m: message_body(page, p, m, "ok text", ts).replace(p.encode(), p.encode() + b"\xff"),
        lambda p, m: b"\xef\xbb\xbf" + message_body(page, p, m, "utf-8 byte order mark", ts),
        lambda p, m: message_body(page, p, m, "utf-16 body", ts).decode().encode("utf-16"),
        lambda p, m: message_body(page, p, m, "\u202eRTL \u200b zero-width \U0001F4A9 emoji", ts),
        lambda p, m: with_bytes(b"\x00\x01\x02 raw control bytes", p, m),
    ]
    for k in range(counts["invalid_utf8"]):
        psid, mid = ids("utf8")
        bodies.append(("invalid_utf8", utf8[k % len(utf8)](psid, mid), "utf8[%d]" % (k % len(utf8))))

    objects = ["instagram", "user", "permissions", "whatsapp_business_account", "PAGE", "page ", None, 5, "", {"page": 1}]
    for k in range(counts["non_page"]):
        psid, mid = ids("object")
        body = envelope([event(psid, mid)])
        if objects[k % len(objects)] is None:
            del body["object"]
        else:
            body["object"] = objects[k % len(objects)]
        bodies.append(("non_page", dump(body), "object=%r" % (objects[k % len(objects)],)))

    odd = [
        lambda p, m: b"",
        lambda p, m: b"null",
        lambda p, m: b"[]",
        lambda p, m: b'"page"',
        lambda p, m: b"0",
        lambda p, m: b"{}",
        lambda p, m: b'{"object":"page"}',
        lambda p, m: b" " * 4096,
        lambda p, m: message_body(page, p, m, "trailing garbage", ts) + b" xyz",
        lambda p, m: b'{"object":"page","object":"instagram","entry":[]}',
        lambda p, m: dump(envelope([{"sender": {"id": p}, "recipient": {"id": page}, "timestamp": 10 ** 18,
                                     "message": {"mid": m, "text": "year 31 million"}}])),
        lambda p, m: dump(envelope([{"sender": {"id": p}, "recipient": {"id": page}, "timestamp": -(10 ** 18),
                                     "message": {"mid": m, "text": "31 million BC"}}])),
        lambda p, m: dump(envelope([{"sender": {"id": p}, "recipient": {"id": page}, "timestamp": 0,
                                     "message": {"mid": m, "text": "1970"}}])),
        lambda p, m: b'{"object":"page","entry":[{"id":"1","messaging":[{"sender":{"id":"' + p.encode()
                     + b'"},"recipient":{"id":"1"},"timestamp":1e400,"message":{"mid":"' + m.encode() + b'"}}]}]}',
        lambda p, m: dump(envelope([{"sender": {"id": p}, "recipient": {"id": page}, "timestamp": 1.7e12,
                                     "message": {"mid": m, "text": "float timestamp"}}])),
        lambda p, m: dump(envelope([{"sender": {"id": 2 ** 70}, "recipient": {"id": page}, "timestamp": ts,
                                     "message": {"mid": m, "text": "id beyond Int64"}}])),
        lambda p, m: dump(envelope([{"sender": {"id": p}, "recipient": {"id": page}, "timestamp": ts,
                                     "message": {"mid": m, "text": "x" * 100_000}}])),
        lambda p, m: dump(envelope([{"sender": {"id": "p" * 10_000}, "recipient": {"id": page}, "timestamp": ts,
                                     "message": {"mid": m, "text": "10 KB psid"}}])),
        lambda p, m: dump(envelope([event(p, m)] * 50)),
        lambda p, m: dump({"object": "page", "entry": [{"id": page, "time": ts, "messaging": []}] * 500}),
    ]
    # A valid customer message and a poisonous event in one body, as Facebook batches events:
    # the valid one must still be stored (WebhookEnvelope: one bad event must not cost the others).
    for k in range(counts["mixed"]):
        psid, mid = ids("mixed")
        good = {"sender": {"id": "mixed-%02d" % (k % 10)}, "recipient": {"id": page}, "timestamp": ts + k,
                "message": {"mid": "m_mixed_%d" % k, "text": "a valid message beside a poisonous one"}}
        if k % 2 == 0:
            bad = event(psid, mid, message={"mid": mid, "text": "nul \u0000 inside"})
        else:
            bad = {"sender": {"id": psid}, "recipient": {"id": page}, "timestamp": 10 ** 18,
                   "message": {"mid": mid, "text": "year 31 million"}}
        bodies.append(("mixed", dump(envelope([good, bad])), "mixed-nul" if k % 2 == 0 else "mixed-timestamp"))

    for k in range(counts["odd_values"]):
        psid, mid = ids("odd")
        bodies.append(("odd_values", odd[k % len(odd)](psid, mid), "odd[%d]" % (k % len(odd))))

    rng.shuffle(bodies)
    return bodies
