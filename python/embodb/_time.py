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
        text = value.strip().lower()
        pos, seconds = 0, 0.0
        while pos < len(text):
            m = _PART.match(text, pos)
            if m is None:
                raise InvalidInputError(
                    f"{what} {value!r} is not a duration: write seconds or a string like '90s', '10m', '1h30m', '7d'"
                )
            seconds += float(m.group(1)) * _UNITS[m.group(2)]
            pos = m.end()
        if not text:
            raise InvalidInputError(f"{what} must not be empty")
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
