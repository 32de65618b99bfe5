"""Replacing one benchmark's section of docs/benchmarks.md between its markers."""
import os
import shutil
import tempfile
import unittest

from herald_tools import doc_sections

DOC = """# Benchmarks

Intro.

<!-- bench:webhook-ingest:start -->
## Webhook ingest
old figures
<!-- bench:webhook-ingest:end -->

<!-- bench:scale:start -->
## Scale-out
old scale
<!-- bench:scale:end -->

Closing words.
"""
NEW_SCALE = "<!-- bench:scale:start -->\n## Scale-out\nnew scale\nsecond line\n<!-- bench:scale:end -->\n"


class DocSectionTests(unittest.TestCase):
    def test_the_named_section_is_replaced_and_the_rest_kept(self):
        self.assertEqual(doc_sections.replace(DOC, NEW_SCALE), DOC.replace("old scale\n", "new scale\nsecond line\n"))

    def test_the_first_section_too(self):
        section = "<!-- bench:webhook-ingest:start -->\nnew\n<!-- bench:webhook-ingest:end -->"
        self.assertEqual(doc_sections.replace(DOC, section), DOC.replace("## Webhook ingest\nold figures\n", "new\n"))

    def test_an_absent_section_is_appended_after_a_blank_line(self):
        section = "<!-- bench:soak:start -->\nsoak\n<!-- bench:soak:end -->\n"
        self.assertEqual(doc_sections.replace(DOC, section), DOC + "\n" + section)
        self.assertEqual(doc_sections.replace("# Benchmarks", section), "# Benchmarks\n\n" + section)

    def test_a_start_marker_without_its_end_in_the_doc_appends(self):
        doc = "# B\n<!-- bench:scale:start -->\nhalf\n"
        self.assertEqual(doc_sections.replace(doc, NEW_SCALE), doc + "\n" + NEW_SCALE)

    def test_a_section_without_markers_is_refused(self):
        with self.assertRaises(ValueError):
            doc_sections.replace(DOC, "## Scale-out\n")
        with self.assertRaises(ValueError):
            doc_sections.replace(DOC, "<!-- bench:scale:start -->\n<!-- bench:soak:end -->\n")

    def test_write_replaces_in_place_and_creates_a_missing_doc(self):
        folder = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, folder)
        path = os.path.join(folder, "benchmarks.md")
        with open(path, "w") as f:
            f.write(DOC)
        doc_sections.write(path, NEW_SCALE)
        with open(path) as f:
            self.assertIn("new scale", f.read())
        self.assertEqual(os.listdir(folder), ["benchmarks.md"])
        missing = os.path.join(folder, "new.md")
        doc_sections.write(missing, NEW_SCALE)
        with open(missing) as f:
            self.assertEqual(f.read(), doc_sections.HEADER + "\n" + NEW_SCALE)


if __name__ == "__main__":
    unittest.main()
