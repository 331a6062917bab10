"""Elastic date math, one implementation for rule checks, the engine and fixtures.

Grammar (as `@elastic/datemath` and Elasticsearch read it): an anchor, `now` or an absolute date followed by
`||`, then operations: `+N<unit>`, `-N<unit>` (N defaults to 1), `/<unit>` (round down, or up to the unit's last
instant for the end of a range). Units: `y M w d h H m s ms` (`H` is `h`). A plain ISO-8601 date or epoch
milliseconds is absolute. Everything is UTC.
"""

from __future__ import annotations

import calendar
import re
from datetime import UTC, datetime, timedelta

UNITS = ("ms", "y", "M", "w", "d", "h", "H", "m", "s")
_FIXED = {
    "w": timedelta(weeks=1),
    "d": timedelta(days=1),
    "h": timedelta(hours=1),
    "H": timedelta(hours=1),
    "m": timedelta(minutes=1),
    "s": timedelta(seconds=1),
    "ms": timedelta(milliseconds=1),
}
_OPERATION = re.compile(r"([+-])(\d*)(ms|[yMwdhHms])|/(ms|[yMwdhHms])")
_DURATION = re.compile(r"^([1-9][0-9]*)([smhd])$")


class DateMathError(ValueError):
    """The expression is not date math; the message says what was expected."""


def parse(expression: str, now: datetime, *, round_up: bool = False) -> datetime:
    """Resolve `expression` against `now` (an aware datetime); `round_up` for the end of a range."""
    if not isinstance(expression, str) or not expression.strip():
        raise DateMathError("empty date math (expected something like now-7d)")
    text = expression.strip()
    if text.startswith("now"):
        anchor, operations = _as_utc(now), text[3:]
    elif "||" in text:
        date_text, operations = text.split("||", 1)
        anchor = parse_absolute(date_text)
    else:
        return parse_absolute(text)
    return _apply(anchor, operations, expression, round_up)


def parse_absolute(text: str) -> datetime:
    """An ISO-8601 date or date-time (UTC when no offset is given), or epoch milliseconds."""
    text = text.strip()
    if re.fullmatch(r"-?\d{1,15}", text) and not re.fullmatch(r"\d{4}", text):
        return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=int(text))
    candidate = text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text
    try:
        parsed = datetime.fromisoformat(candidate)
    except ValueError:
        raise DateMathError(
            f"{text!r} is not date math: expected now, now-7d, now-7d/d, an ISO-8601 date or epoch milliseconds"
        ) from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def format_instant(moment: datetime) -> str:
    """An instant as Elasticsearch prints a date, in UTC with `Z`: milliseconds, or microseconds when it has them
    (`2026-03-24T12:00:00.000Z`). A naive datetime is taken as UTC."""
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S.%f")
    return (text[:-3] if moment.microsecond % 1000 == 0 else text) + "Z"


def is_valid(expression: object) -> bool:
    try:
        parse(expression, datetime(2000, 1, 1, tzinfo=UTC))  # type: ignore[arg-type]
    except DateMathError:
        return False
    return True


def parse_duration(text: str) -> timedelta:
    """A rule `interval` such as `5m` (a positive number followed by s, m, h or d)."""
    match = _DURATION.match(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise DateMathError(f"{text!r} is not an interval such as 5m (a number followed by s, m, h or d)")
    return int(match.group(1)) * _FIXED[match.group(2)]


def _apply(anchor: datetime, operations: str, expression: str, round_up: bool) -> datetime:
    position, result = 0, anchor
    while position < len(operations):
        match = _OPERATION.match(operations, position)
        if match is None:
            raise DateMathError(
                f"{expression!r} is not date math: cannot read {operations[position:]!r} "
                f"(expected +N or -N followed by one of {' '.join(UNITS)}, or /unit)"
            )
        sign, amount, unit, round_unit = match.groups()
        if round_unit:
            result = _round(result, round_unit, round_up)
        else:
            count = int(amount) if amount else 1
            result = _add(result, -count if sign == "-" else count, unit)
        position = match.end()
    return result


def _add(moment: datetime, count: int, unit: str) -> datetime:
    if unit in ("y", "M"):
        months = moment.month - 1 + count * (12 if unit == "y" else 1)
        year, month = moment.year + months // 12, months % 12 + 1
        day = min(moment.day, calendar.monthrange(year, month)[1])  # Jan 31 + 1M = Feb 28/29, as moment.js
        return moment.replace(year=year, month=month, day=day)
    return moment + count * _FIXED[unit]


def _round(moment: datetime, unit: str, up: bool) -> datetime:
    if unit == "y":
        start = moment.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
        end = _add(start, 1, "y")
    elif unit == "M":
        start = moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        end = _add(start, 1, "M")
    elif unit == "w":
        start = (moment - timedelta(days=moment.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
        end = start + timedelta(weeks=1)
    else:
        step = _FIXED[unit]
        epoch = datetime(1970, 1, 1, tzinfo=UTC)
        start = epoch + ((moment - epoch) // step) * step
        end = start + step
    return end - timedelta(microseconds=1) if up else start  # the whole unit, at our (microsecond) precision


def _as_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise DateMathError("now must be an aware datetime (with a time zone)")
    return moment.astimezone(UTC)
