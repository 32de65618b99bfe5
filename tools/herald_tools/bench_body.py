"""The webhook of scripts/bench and scripts/bench-scale: a realistic Messenger delivery (one text
message), padded to an exact size with varied words (a fixed pseudo-random sequence, so every run
sends the same bytes)."""

WORDS = ("hi hello my order has not arrived yet and the tracking page says it was delivered "
         "yesterday but nothing is at the door could you please check what happened with parcel "
         "number 48213 I paid for express shipping also the size was wrong last time so I would like "
         "to exchange the blue jacket for a medium thanks a lot for your help have a nice day").split()
MID = "m_Kx7Qp2LmZ9vT4rWbN8cYhJ3sFdE6gA1uIoPlMnBvCxZqRsTyUwEeDdFfGgHhJjKkLl"


def padding_text(length):
    """`length` characters of customer prose ending with a full stop."""
    seed, text = 12345, "Hello,"
    while len(text) < length:
        seed = (seed * 75 + 74) % 65537
        text += " " + WORDS[seed % len(WORDS)]
    return text[:length - 1] + "."


def webhook_body(page, psid, size=2048):
    """The delivery from customer `psid` to `page`, exactly `size` bytes."""
    prefix = ('{"object":"page","entry":[{"id":"%s","time":1764144000123,"messaging":[{"sender":{"id":"%s"},'
              '"recipient":{"id":"%s"},"timestamp":1764144000045,"message":{"mid":"%s","text":"'
              % (page, psid, page, MID))
    suffix = '"}}]}]}'
    body = (prefix + padding_text(size - len(prefix) - len(suffix)) + suffix).encode()
    if len(body) != size:
        raise ValueError("the webhook body is %d bytes, not %d" % (len(body), size))
    return body


def pgbench_insert(body):
    """pgbench's script inserting these very bytes (bench_inserts has no index), so both sides
    of scripts/bench write the same payload."""
    return "INSERT INTO bench_inserts (body) VALUES ('\\x%s'::bytea);\n" % body.hex()
