"""Requests to herald serve over one keep-alive connection, and the webhook bodies the scripts
send: Messenger's page envelope with one event (docs/messenger.md)."""
import http.client
import json
import time

from herald_tools import signing


class Client:
    """One keep-alive HTTP connection to 127.0.0.1:port. A request that fails at the socket level
    is a figure ("error:<ExceptionName>"), never a crash: load generators count it and go on."""

    def __init__(self, port, timeout=30, host="127.0.0.1"):
        self.port, self.timeout, self.host, self.conn = port, timeout, host, None

    def request(self, method, path, body, headers):
        """(status as a string, latency in ms, response body)."""
        started = time.monotonic()
        try:
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
            status = str(response.status)
            if response.getheader("Connection", "").lower() == "close":
                self.conn.close()
                self.conn = None
        except Exception as error:  # noqa: BLE001 - every socket problem is a figure, not a crash
            if self.conn is not None:
                self.conn.close()
            self.conn = None
            data, status = b"", "error:" + type(error).__name__
        return status, (time.monotonic() - started) * 1000, data

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def webhook(self, secret, body):
        """POST /webhook with `body` signed by `secret`: (status, latency ms, response body)."""
        return self.request("POST", "/webhook", body, signing.signed_headers(secret, body))


def compact(value):
    return json.dumps(value, separators=(",", ":")).encode()


def page_envelope(page, psid, ts, event):
    """A page webhook with one messaging event from customer `psid`: `event` adds its payload
    (e.g. {"message": {...}} or {"read": {"watermark": ts}})."""
    messaging = {"sender": {"id": psid}, "recipient": {"id": page}, "timestamp": ts}
    messaging.update(event)
    return compact({"object": "page", "entry": [{"id": page, "time": ts, "messaging": [messaging]}]})


def message_body(page, psid, mid, text, ts):
    """A customer's text message to `page`."""
    return page_envelope(page, psid, ts, {"message": {"mid": mid, "text": text}})


def now_ms():
    return int(time.time() * 1000)
