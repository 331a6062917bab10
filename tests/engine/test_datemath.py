"""Date math as Elasticsearch and @elastic/datemath read it (engine.md B5, kql.md A3.7)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rule_kit.engine.datemath import DateMathError, is_valid, parse, parse_duration

NOW = datetime(2026, 3, 24, 15, 47, 31, 250_000, tzinfo=UTC)  # a Tuesday


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("now", NOW),
        ("now-9m", NOW - timedelta(minutes=9)),
        ("now-7d", NOW - timedelta(days=7)),
        ("now+1h", NOW + timedelta(hours=1)),
        ("now-1H", NOW - timedelta(hours=1)),
        ("now-30s", NOW - timedelta(seconds=30)),
        ("now-500ms", NOW - timedelta(milliseconds=500)),
        ("now-2w", NOW - timedelta(weeks=2)),
        ("now-d", NOW - timedelta(days=1)),
        ("now-7d/d", datetime(2026, 3, 17, tzinfo=UTC)),
        ("now/h", datetime(2026, 3, 24, 15, tzinfo=UTC)),
        ("now/w", datetime(2026, 3, 23, tzinfo=UTC)),
        ("now/M", datetime(2026, 3, 1, tzinfo=UTC)),
        ("now/y", datetime(2026, 1, 1, tzinfo=UTC)),
        ("now-1M", datetime(2026, 2, 24, 15, 47, 31, 250_000, tzinfo=UTC)),
        ("now-1y", datetime(2025, 3, 24, 15, 47, 31, 250_000, tzinfo=UTC)),
        ("2026-01-31||+1M", datetime(2026, 2, 28, tzinfo=UTC)),
        ("2022-02-17||+1M/d", datetime(2022, 3, 17, tzinfo=UTC)),
        ("2026-03-01T10:00:00Z", datetime(2026, 3, 1, 10, tzinfo=UTC)),
        ("2026-03-01T12:00:00+02:00", datetime(2026, 3, 1, 10, tzinfo=UTC)),
        ("2026-03-01", datetime(2026, 3, 1, tzinfo=UTC)),
        ("1772359200000", datetime(2026, 3, 1, 10, tzinfo=UTC)),
    ],
)
def test_parse(expression: str, expected: datetime) -> None:
    assert parse(expression, NOW) == expected


def test_round_up_is_the_last_instant_of_the_unit() -> None:
    assert parse("now/d", NOW, round_up=True) == datetime(2026, 3, 24, 23, 59, 59, 999_999, tzinfo=UTC)


@pytest.mark.parametrize("expression", ["banana", "", "now-", "now-5x", "now-7d/", "7d", "now - 7d", "2026/02/30"])
def test_not_date_math(expression: str) -> None:
    assert not is_valid(expression)
    with pytest.raises(DateMathError):
        parse(expression, NOW)


def test_intervals() -> None:
    assert parse_duration("5m") == timedelta(minutes=5)
    assert parse_duration("1d") == timedelta(days=1)
    for bad in ("5min", "0m", "m", "1w"):
        with pytest.raises(DateMathError):
            parse_duration(bad)


@given(st.integers(0, 10_000), st.sampled_from(["s", "m", "h", "d", "w"]))
def test_minus_then_plus_is_identity_for_fixed_units(amount: int, unit: str) -> None:
    assert parse(f"now-{amount}{unit}+{amount}{unit}", NOW) == NOW


@given(st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)))
def test_rounding_brackets_the_instant(moment: datetime) -> None:
    for unit in ("s", "m", "h", "d", "w", "M", "y"):
        assert parse(f"now/{unit}", moment) <= moment <= parse(f"now/{unit}", moment, round_up=True)
