"""Percentiles as the scripts report them. Two definitions are in use and kept apart on purpose,
so a figure means what it meant in earlier runs of the same script:

- `interpolated` (scripts/soak): linear interpolation between the closest ranks, as
  numpy's default and Postgres' percentile_cont do;
- `nearest_rank` (bench-stream, bench-slow-clients): the value at index int(q x n) of the
  sorted values, capped at the last one."""


def interpolated(values, q):
    """The q-quantile (0 <= q <= 1) by linear interpolation; None without values."""
    if not values:
        return None
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    low = int(k)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def nearest_rank(values, q, empty=None):
    """The value at index int(q x n) of the sorted values (capped); `empty` without values."""
    if not values:
        return empty
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def round_or_none(value, digits):
    return None if value is None else round(value, digits)
