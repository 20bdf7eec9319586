from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.core.money import (
    ScaleError,
    call_cost_micros,
    credits_from_int,
    credits_to_int,
    format_decimal,
    usd_from_int,
)


def test_scaled_integers() -> None:
    assert credits_to_int("1.25") == 12_500
    assert credits_to_int(Decimal("1.10000")) == 11_000
    assert str(credits_from_int(125)) == "0.0125"
    # Every credit amount prints with 4 decimals and every dollar amount with 6, whatever
    # its value: one field's strings never vary in scale.
    assert format_decimal(credits_from_int(0)) == "0.0000"
    assert format_decimal(credits_from_int(2_546_650)) == "254.6650"
    assert format_decimal(credits_from_int(10**12)) == "100000000.0000"
    assert format_decimal(usd_from_int(1)) == "0.000001"
    assert format_decimal(usd_from_int(10_540_000)) == "10.540000"
    # Values from elsewhere (inputs echoed back) keep their own scale, two decimals at least.
    assert format_decimal(Decimal("12.5")) == "12.50"
    assert format_decimal(Decimal("1E+2")) == "100.00"
    assert format_decimal(Decimal("0.125")) == "0.125"
    with pytest.raises(ScaleError):
        credits_to_int("0.00001")


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_credits_round_trip(value: int) -> None:
    text = format_decimal(credits_from_int(value))
    assert "E" not in text and "e" not in text
    assert len(text.split(".")[1]) == 4
    assert credits_to_int(text) == value


def test_cost_rounds_half_up_per_call() -> None:
    # 1 token at $0.50 per million is half a micro-dollar: rounds up to 1.
    assert (
        call_cost_micros(
            input_tokens=1, output_tokens=0, input_per_million=500_000, output_per_million=0
        )
        == 1
    )
    assert (
        call_cost_micros(
            input_tokens=1200,
            output_tokens=300,
            input_per_million=3_000_000,
            output_per_million=15_000_000,
        )
        == 8_100
    )
