import unittest

from herald_tools import pgbench

STATEMENTS = {
    "claim": "WITH picked AS (SELECT id FROM jobs WHERE run_at <= $3 AND kind = ANY($1::text[]) LIMIT 50)\n"
             "UPDATE jobs SET locked_by = $2, locked_until = $3::timestamptz + make_interval(secs => $4)\n"
             "WHERE id = ANY (ARRAY(SELECT id FROM picked))\nRETURNING id\n",
    "completion": "state = CASE WHEN run_at > $3 THEN 'available' ELSE 'completed' END,\nfinished_at = $3",
}


class PgbenchScriptTests(unittest.TestCase):
    def test_parameters_are_written_in(self):
        script = pgbench.claim_complete_script(STATEMENTS, "bench_noop", 30)
        self.assertNotIn("$", script)
        self.assertIn("kind = ANY('{bench_noop}'::text[])", script)
        self.assertIn("locked_by = 'pgbench-' || (:client_id)::text,", script)
        self.assertIn("now()::timestamptz + make_interval(secs => 30)", script)
        self.assertIn("finished_at = now()", script)

    def test_two_statements_claim_then_complete_this_clients_jobs(self):
        script = pgbench.claim_complete_script(STATEMENTS, "bench_noop", 30)
        claim, complete, rest = script.split(";\n")
        self.assertTrue(claim.startswith("WITH picked"))
        self.assertTrue(complete.startswith("UPDATE jobs SET\nstate = CASE"))
        self.assertTrue(complete.endswith("WHERE state = 'running' AND locked_by = 'pgbench-' || (:client_id)::text"))
        self.assertEqual(rest, "")

    def test_unknown_parameter_is_an_error(self):
        with self.assertRaises(ValueError):
            pgbench.substitute("SELECT $5", {1: "x"})

    def test_double_digit_parameters_are_not_mistaken(self):
        self.assertEqual(pgbench.substitute("$1, $12", {1: "a", 12: "b"}), "a, b")

    def test_kind_must_be_a_plain_name(self):
        with self.assertRaises(ValueError):
            pgbench.claim_complete_script(STATEMENTS, "x}'; DROP", 30)


if __name__ == "__main__":
    unittest.main()
