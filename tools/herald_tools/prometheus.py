"""Samples of a Prometheus text exposition (herald's /metrics)."""
import urllib.request


def value(text, name):
    """The value of the last sample named exactly `name` (no labels), 0.0 when absent."""
    found = 0.0
    for line in text.splitlines():
        words = line.split()
        if len(words) >= 2 and words[0] == name:
            found = float(words[1])
    return found


def scrape(url, timeout=5):
    """The text of `url`, "" when it cannot be read (a figure goes missing, the run goes on)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.read().decode("utf-8", "replace")
    except (OSError, ValueError):
        return ""
