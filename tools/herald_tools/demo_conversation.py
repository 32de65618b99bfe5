"""scripts/demo's conversation printout: reads GET .../customers/{psid}/messages (JSON) on stdin,
prints one line per message: author, status, display status, text (or content kind), failure.

    curl ... | python3 -m herald_tools.demo_conversation"""
import json
import sys


def lines(listing):
    for m in listing["messages"]:
        content = m["content"]
        what = content.get("text") or next(iter(k for k in content if k != "mid"), "?")
        line = "%9s | %-8s | %-8s | %r" % (m["author"], m["status"], m["display_status"], str(what)[:40])
        failure = m["failure"]
        if failure:
            line += "  %s: %s (resend when: %s)" % (failure["reason"], failure["detail"], failure["resend_when"] or "now")
        yield line


if __name__ == "__main__":
    for text in lines(json.load(sys.stdin)):
        print(text)
