"""The scripts' analyses on small hand-made inputs: what each figure counts."""
import json
import os
import tempfile
import unittest

from herald_tools import chaos, chaos_poison, demo_conversation, slow_clients, soak_report, stream_subscribers


class ChaosTests(unittest.TestCase):
    def setUp(self):
        self.folder = tempfile.mkdtemp()

    def write(self, name, text):
        path = os.path.join(self.folder, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def test_graph_sends_counts_duplicates_missing_and_order(self):
        sends = [
            {"sequence": 1, "outcome": "ok", "metadata": "herald:2", "recipient": "c1", "message_id": "m2"},
            {"sequence": 2, "outcome": "ok", "metadata": "herald:1", "recipient": "c1", "message_id": "m1"},
            {"sequence": 3, "outcome": "ok", "metadata": "herald:2", "recipient": "c1", "message_id": "m2b"},
            {"sequence": 4, "outcome": "temporary", "metadata": "herald:3", "recipient": "c2"},
        ]
        requests = self.write("requests.json", json.dumps(sends))
        messages = self.write("messages.tsv", "1\tc1\tm1\n2\tc1\tm2\n3\tc2\t\n")
        result = chaos.graph_sends(requests, messages, 0, 3)
        self.assertEqual(result["duplicates"], 1)
        self.assertEqual(result["missing_at_graph"], 1)  # message 3 never succeeded
        self.assertEqual(result["order_violations"], 1)  # 2 reached c1 before 1
        self.assertEqual(result["mid_mismatch"], 0)
        self.assertEqual(result["recorded"], 4)

    def test_outage_requests_keeps_to_its_recipients(self):
        sends = [{"recipient": "10", "outcome": "temporary", "metadata": "herald:1", "time": 1000},
                 {"recipient": "10", "outcome": "ok", "metadata": "herald:1", "time": 9000},
                 {"recipient": "99", "outcome": "ok", "metadata": "herald:2", "time": 1000}]
        result = chaos.outage_requests(self.write("r.json", json.dumps(sends)), 10, 20, 5000)
        self.assertEqual((result["requests"], result["during_outage"], result["ok_sends"]), (2, 1, 1))
        self.assertEqual(result["max_temporary_per_message"], 1)

    def test_load_report_splits_by_phase(self):
        rows = "0\tm_0\t200\t100\t110\n1\tm_1\t503\t250\t260\n2\tm_2\t200\t400\t410\n"
        ok = os.path.join(self.folder, "ok.txt")
        result = chaos.load_report(self.write("rows.tsv", rows), 200, 220, 300, 350, ok)
        self.assertEqual(result["by_phase"], {"before": {"200": 1}, "during": {"503": 1}, "after": {"200": 1}})
        self.assertEqual(result["other"], 0)
        self.assertEqual(result["first_200_after_start_ms"], 60)
        with open(ok) as f:
            self.assertEqual(f.read(), "m_0\nm_2\n")

    def test_poison_bodies_have_the_documented_mix(self):
        bodies = chaos_poison.poison_bodies("104500000000777", 2000, 1000)
        categories = {}
        for category, body, _ in bodies:
            categories[category] = categories.get(category, 0) + 1
            self.assertIsInstance(body, bytes)
        self.assertEqual(len(bodies), 3000)
        self.assertEqual(categories["normal"], 2000)
        self.assertEqual((categories["big_batch"], categories["mixed"]), (1, 20))


class SummaryTests(unittest.TestCase):
    def test_slow_clients_probe_summary_ignores_failures(self):
        self.assertEqual(slow_clients.probe_summary([2.0, -1, 1.0, 3.0, -1]), "2.00 3.00 2 5")

    def test_slow_clients_lives_summary(self):
        self.assertEqual(slow_clients.lives_summary([5.0, 4.95, 2.0, -1.0], 5), "3 1 2.00 4.95 5.00")
        self.assertEqual(slow_clients.lives_summary([-1.0], 5), "0 0 - - -")

    def test_stream_report_counts_and_latency(self):
        committed = {1: 10.0, 2: 11.0}
        received = [[(1, 10.005), (2, 11.010)], [(1, 10.020), (3, 12.0)]]
        # 2 changes x 4 subscribers / 2 pages = 4 expected; 3 known deliveries.
        self.assertEqual(stream_subscribers.report(committed, received, 4, 2), "2 3 4 10.0 20.0 20.0 1")

    def test_soak_drift_and_slope_formatting(self):
        self.assertEqual(soak_report.drift(10.0, 12.0), "+20 %")
        self.assertEqual(soak_report.drift(None, 1.0), "—")
        self.assertEqual(soak_report.fmt_slope(-0.04), "-0.0")
        self.assertEqual(soak_report.fmt_slope(None), "—")

    def test_demo_conversation_lines(self):
        listing = {"messages": [
            {"author": "customer", "status": "received", "display_status": "received", "content": {"text": "hi"}, "failure": None},
            {"author": "supporter", "status": "failed", "display_status": "failed", "content": {"mid": "m", "image": {}},
             "failure": {"reason": "outside_window", "detail": "24 h", "resend_when": None}}]}
        self.assertEqual(list(demo_conversation.lines(listing)), [
            " customer | received | received | 'hi'",
            "supporter | failed   | failed   | 'image'  outside_window: 24 h (resend when: now)"])


if __name__ == "__main__":
    unittest.main()
