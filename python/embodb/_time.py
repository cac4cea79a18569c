"""Times and durations given by users: ``history="1h"`` and ``as_of(time)``.

A time without a time zone is UTC, as everywhere in embodb (datetime.now()
is local: use ``datetime.now(timezone.utc)`` or ``time.time()``).
"""

from __future__ import annotations

import datetime as _dt
import re
from typing import Any

import numpy as np

from .errors import InvalidInputError

_UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}
_MAX_DURATION_SECONDS = 100 * 366 * 86400
_PART = re.compile(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*(us|ms|s|m|h|d|w)\s*")


def _sum_of_parts(value: str, what: str, part: "re.Pattern[str]", amount: Any, hint: str) -> Any:
    """The sum of amount(number, unit) over the parts of a duration string
    such as "1h30m" (each matched by `part`); InvalidInputError with the
    hint for anything else, and for an empty string."""
    text = value.strip().lower()
    if not text:
        raise InvalidInputError(f"{what} must not be empty")
    pos, total = 0, 0
    while pos < len(text):
        m = part.match(text, pos)
        if m is None:
            raise InvalidInputError(f"{what} {value!r} is not a duration: {hint}")
        total += amount(m.group(1), m.group(2))
        pos = m.end()
    return total


def duration_micros(value: Any, what: str = "history") -> int:
    """Microseconds in ``value``: seconds (int or float), a timedelta, or a
    string of numbers with units such as ``"90s"``, ``"10m"``, ``"1h30m"``,
    ``"7d"`` (units us, ms, s, m, h, d, w). None and 0 mean off."""
    if value is None:
        return 0
    if isinstance(value, _dt.timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, bool):
        raise InvalidInputError(f"{what} must be a duration, not {value!r}")
    elif isinstance(value, (int, float, np.integer, np.floating)):
        seconds = float(value)
    elif isinstance(value, str):
        seconds = _sum_of_parts(value, what, _PART, lambda number, unit: float(number) * _UNITS[unit],
                                "write seconds or a string like '90s', '10m', '1h30m', '7d'")
    else:
        raise InvalidInputError(f"{what} must be a duration (seconds, timedelta or '1h'), not {type(value).__name__}")
    if not np.isfinite(seconds) or seconds < 0:
        raise InvalidInputError(f"{what} must be a finite duration >= 0, not {value!r}")
    if seconds > _MAX_DURATION_SECONDS:
        raise InvalidInputError(f"{what} must be at most 100 years, not {value!r}")
    return int(round(seconds * 1e6))


def epoch_micros(value: Any) -> int:
    """Microseconds since the Unix epoch of a datetime, pandas Timestamp,
    numpy datetime64, ISO 8601 string or epoch seconds (int or float)."""
    if isinstance(value, bool):
        raise InvalidInputError(f"{value!r} is not a time")
    if isinstance(value, (int, float, np.integer, np.floating)):
        if not np.isfinite(value):
            raise InvalidInputError(f"{value!r} is not a time")
        return int(round(float(value) * 1e6))
    if isinstance(value, np.datetime64):
        if np.isnat(value):
            raise InvalidInputError("NaT is not a time")
        return int(value.astype("datetime64[us]").astype(np.int64))
    if isinstance(value, str):
        text = value.strip()
        try:
            value = _dt.datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text)
        except ValueError:
            raise InvalidInputError(f"{text!r} is not an ISO 8601 time such as '2026-11-20T10:00:00'") from None
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=_dt.timezone.utc)
        delta = value - _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)
        return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds
    if isinstance(value, _dt.date):
        return epoch_micros(_dt.datetime(value.year, value.month, value.day))
    raise InvalidInputError(
        f"a time is a datetime, an ISO 8601 string, a numpy datetime64 or epoch seconds, not {type(value).__name__}"
    )


_NANOS = {"ns": 1, "us": 1_000, "ms": 1_000_000, "s": 1_000_000_000, "m": 60_000_000_000, "min": 60_000_000_000,
          "h": 3_600_000_000_000, "d": 86_400_000_000_000, "w": 604_800_000_000_000}
_NANO_PART = re.compile(r"\s*(\d+)\s*(ns|us|ms|min|s|m|h|d|w)\s*")
_INT64_MAX = 2**63 - 1


def duration_nanos(value: Any, what: str) -> int:
    """Nanoseconds in ``value``, which must be positive: an integer of
    nanoseconds, a timedelta, a numpy timedelta64, a pandas Timedelta, or a
    string of whole numbers with units such as ``"100ms"``, ``"1s"``,
    ``"1m30s"`` (units ns, us, ms, s, m or min, h, d, w)."""
    if isinstance(value, bool) or value is None:
        raise InvalidInputError(f"{what} must be a duration, not {value!r}")
    if isinstance(value, (int, np.integer)):
        nanos = int(value)
    elif isinstance(value, np.timedelta64):
        if np.isnat(value):
            raise InvalidInputError(f"{what} must be a duration, not NaT")
        nanos = int(value.astype("timedelta64[ns]").astype(np.int64))
    elif isinstance(value, _dt.timedelta):  # pandas Timedelta too (a subclass)
        nanos = int(getattr(value, "value", None) or ((value.days * 86400 + value.seconds) * 10**9
                                                       + value.microseconds * 1000))
    elif isinstance(value, str):
        nanos = _sum_of_parts(value, what, _NANO_PART, lambda number, unit: int(number) * _NANOS[unit],
                              "write it like '100ms', '1s', '1m30s' (units ns, us, ms, s, m, h, d, w)")
    else:
        raise InvalidInputError(f"{what} must be a duration ('100ms', a timedelta or nanoseconds), "
                                f"not {type(value).__name__}")
    if nanos <= 0:
        raise InvalidInputError(f"{what} must be a positive duration, not {value!r}")
    if nanos > _INT64_MAX:
        raise InvalidInputError(f"{what} {value!r} is too long")
    return nanos


def time_nanos(value: Any, what: str = "a time") -> int:
    """Nanoseconds since the Unix epoch of an integer (already nanoseconds,
    as timestamps are stored), a datetime or pandas Timestamp, a numpy
    datetime64 or an ISO 8601 string; without a time zone, UTC."""
    if isinstance(value, bool) or isinstance(value, (float, np.floating)):
        raise InvalidInputError(f"{what} must be an integer of nanoseconds or a datetime, not {value!r}")
    if isinstance(value, (int, np.integer)):
        if not -(2**63) <= int(value) <= _INT64_MAX:
            raise InvalidInputError(f"{what} {value} is outside the int64 nanosecond range")
        return int(value)
    if isinstance(value, np.datetime64):
        if np.isnat(value):
            raise InvalidInputError(f"{what} must not be NaT")
        return int(value.astype("datetime64[ns]").astype(np.int64))
    nanos = getattr(value, "value", None)  # a pandas Timestamp
    if isinstance(nanos, int) and hasattr(value, "tz_localize"):
        return nanos
    if isinstance(value, (str, _dt.datetime, _dt.date)):
        return epoch_micros(value) * 1000
    raise InvalidInputError(f"{what} must be an integer of nanoseconds, a datetime, a numpy datetime64 or an "
                            f"ISO 8601 string, not {type(value).__name__}")
