import http.server
import json
import threading
import unittest

from herald_tools import processes, signing, webhooks


class BodyTests(unittest.TestCase):
    def test_message_body_is_a_compact_page_envelope(self):
        body = webhooks.message_body("p1", "c1", "m_1", "hi", 1700000000000)
        self.assertNotIn(b" ", body.replace(b'"hi"', b""))
        self.assertEqual(json.loads(body), {"object": "page", "entry": [{"id": "p1", "time": 1700000000000, "messaging": [{
            "sender": {"id": "c1"}, "recipient": {"id": "p1"}, "timestamp": 1700000000000,
            "message": {"mid": "m_1", "text": "hi"}}]}]})

    def test_page_envelope_carries_any_event(self):
        event = json.loads(webhooks.page_envelope("p1", "c1", 5, {"read": {"watermark": 5}}))["entry"][0]["messaging"][0]
        self.assertEqual(event, {"sender": {"id": "c1"}, "recipient": {"id": "p1"}, "timestamp": 5, "read": {"watermark": 5}})


class Recorder(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Recorder.seen.append((self.path, self.headers.get("X-Hub-Signature-256"), body))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


class ClientTests(unittest.TestCase):
    def test_signed_webhooks_over_one_connection(self):
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        client = webhooks.Client(server.server_address[1], timeout=5)
        self.addCleanup(client.close)
        for n in range(3):
            body = webhooks.message_body("p", "c", "m_%d" % n, "t", n)
            status, latency, data = client.webhook("secret", body)
            self.assertEqual((status, data), ("200", b"ok"))
            self.assertGreaterEqual(latency, 0)
        self.assertEqual(len(Recorder.seen), 3)
        for path, header, body in Recorder.seen:
            self.assertEqual(path, "/webhook")
            self.assertEqual(header, signing.signature("secret", body))

    def test_refused_connection_is_a_figure_not_a_crash(self):
        client = webhooks.Client(processes.free_port(), timeout=2)
        status, _, data = client.request("GET", "/", None, {})
        self.assertEqual((status, data), ("error:ConnectionRefusedError", b""))


if __name__ == "__main__":
    unittest.main()
