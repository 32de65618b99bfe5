"""The sections of docs/benchmarks.md: each benchmark writes its own, between
`<!-- bench:NAME:start -->` and `<!-- bench:NAME:end -->` (the section text carries both
markers), and leaves the others alone. A section not there yet is appended.

    python3 -m herald_tools.doc_sections write DOC SECTION_FILE"""
import os
import re
import sys

HEADER = ("# Benchmarks\n\nMeasured figures and the commands that produced them. Each section is written by the\n"
          "script it names; rerun the script rather than editing a section by hand.\n")
START = re.compile(r"<!-- bench:([a-z0-9-]+):start -->")


def section_name(section):
    """NAME of the section's start marker; ValueError when it has none or no matching end."""
    found = START.search(section)
    if not found or "<!-- bench:%s:end -->" % found.group(1) not in section:
        raise ValueError("the section has no bench:NAME:start and bench:NAME:end markers")
    return found.group(1)


def replace(doc, section):
    """`doc` with the section of the same name replaced by `section`, or with `section` appended
    after a blank line when `doc` has no such section."""
    name = section_name(section)
    start, end = "<!-- bench:%s:start -->" % name, "<!-- bench:%s:end -->" % name
    body = section if section.endswith("\n") else section + "\n"
    lines = doc.splitlines(keepends=True)
    stripped = [line.strip() for line in lines]
    if start in stripped and end in stripped[stripped.index(start):]:
        i = stripped.index(start)
        j = stripped.index(end, i)
        return "".join(lines[:i]) + body + "".join(lines[j + 1:])
    if doc and not doc.endswith("\n"):
        doc += "\n"
    return doc + "\n" + body


def write(doc_path, section):
    """Replaces (or appends) the section in the file at doc_path, created with the usual header
    when missing. Written through a temporary file and a rename."""
    try:
        with open(doc_path) as f:
            doc = f.read()
    except FileNotFoundError:
        doc = HEADER
    text = replace(doc, section)
    temporary = "%s.tmp.%d" % (doc_path, os.getpid())
    with open(temporary, "w") as f:
        f.write(text)
    os.replace(temporary, doc_path)


def main(argv):
    if len(argv) != 3 or argv[0] != "write":
        sys.exit(__doc__)
    with open(argv[2]) as f:
        write(argv[1], f.read())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
