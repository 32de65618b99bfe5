import json
import os
import stat
import tempfile
import unittest

from herald_tools import postgres


class PsqlTests(unittest.TestCase):
    def fake_psql(self, script):
        """An executable standing in for psql (the tests need no database)."""
        folder = tempfile.mkdtemp()
        self.addCleanup(lambda: (os.remove(path), os.rmdir(folder)))
        path = os.path.join(folder, "psql")
        with open(path, "w") as f:
            f.write("#!/bin/sh\n" + script)
        os.chmod(path, stat.S_IRWXU)
        return path

    def test_command_is_quiet_unaligned_and_stops_on_error(self):
        self.assertEqual(postgres.psql_command("postgres://u@h:1/d", "SELECT 1", "psql"),
                         ["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", "postgres://u@h:1/d", "-c", "SELECT 1"])

    def test_query_returns_stripped_output_and_passes_the_sql(self):
        psql = self.fake_psql('shift 7; echo "ran: $2"; echo\n')
        self.assertEqual(postgres.query("postgres://x", "SELECT 1", psql), "ran: SELECT 1")

    def test_query_json_decodes(self):
        psql = self.fake_psql("echo '{\"n\": 3}'\n")
        self.assertEqual(postgres.query_json("postgres://x", "SELECT", psql), {"n": 3})
        self.assertEqual(json.dumps(postgres.query_json("postgres://x", "SELECT", psql)), '{"n": 3}')

    def test_failure_raises_with_psqls_message(self):
        psql = self.fake_psql("echo 'ERROR: relation missing' >&2; exit 3\n")
        with self.assertRaisesRegex(postgres.PsqlError, "relation missing"):
            postgres.query("postgres://x", "SELECT", psql)


if __name__ == "__main__":
    unittest.main()
