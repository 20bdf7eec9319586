"""Fixed-scale integers for credits and money, so sums are exact on every engine.

Credits are stored as whole ten-thousandths, US dollars as whole micro-dollars, and each is
printed at that fixed scale everywhere it leaves the gateway: every credit amount with 4
decimals (``"254.6650"``, ``"0.0000"``), every US-dollar amount with 6 (``"10.543210"``), so a
field's strings never vary in scale from one value to the next.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CREDIT_SCALE = 10_000
CREDIT_PLACES = 4
USD_SCALE = 1_000_000
USD_PLACES = 6


class ScaleError(ValueError):
    """A decimal has more places than its scale can hold."""


class NotAsciiError(ValueError):
    """An amount written with characters other than ASCII ones."""


NOT_ASCII = "must be written with ASCII digits (0-9)"


def ascii_amount(text: str) -> str:
    """The text of an amount, refused unless it is all ASCII.

    ``Decimal`` reads any Unicode digit (``"١٢"`` and ``"１２"`` are 12) and strips any Unicode
    space: an amount that is not plain ASCII is a mistake or a spoof, never a number to store.
    """
    if not text.isascii():
        raise NotAsciiError(NOT_ASCII)
    return text


def _to_scaled(value: Decimal | str | int, places: int) -> int:
    if isinstance(value, str):
        ascii_amount(value)
    number = Decimal(value) if not isinstance(value, Decimal) else value
    if not number.is_finite():
        raise ScaleError("must be a finite number")
    scaled = number.scaleb(places)
    if scaled != scaled.to_integral_value():
        raise ScaleError(f"must have at most {places} decimal places")
    return int(scaled)


def credits_to_int(value: Decimal | str | int) -> int:
    """``Decimal("1.25")`` -> ``12500``; more than 4 places raises :class:`ScaleError`."""
    return _to_scaled(value, CREDIT_PLACES)


def usd_to_int(value: Decimal | str | int) -> int:
    """``Decimal("3")`` -> ``3_000_000``; more than 6 places raises :class:`ScaleError`."""
    return _to_scaled(value, USD_PLACES)


def _from_scaled(value: int, places: int) -> Decimal:
    # Integer arithmetic and one parse: the same value as quantizing the scaled Decimal, at a
    # fraction of the cost (a page formats a few hundred amounts). The Decimal keeps the scale.
    whole, part = divmod(abs(value), 10**places)
    return Decimal(f"{'-' if value < 0 else ''}{whole}.{part:0{places}d}")


def credits_from_int(value: int) -> Decimal:
    """``12500`` -> ``Decimal("1.2500")``: always 4 places."""
    return _from_scaled(value, CREDIT_PLACES)


def usd_from_int(value: int) -> Decimal:
    """``1500`` -> ``Decimal("0.001500")``: always 6 places."""
    return _from_scaled(value, USD_PLACES)


def format_decimal(value: Decimal) -> str:
    """Plain notation at the value's own scale, at least two decimals, never an exponent.

    Amounts from ``credits_from_int``/``usd_from_int`` carry their fixed scale (``"12.5000"``,
    ``"0.012500"``); any other value prints with no fewer than two decimals (``12.5`` ->
    ``"12.50"``).
    """
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent <= -2:
        return f"{value:f}"
    return f"{value.quantize(Decimal('0.01')):f}"


def call_cost_micros(
    *, input_tokens: int, output_tokens: int, input_per_million: int, output_per_million: int
) -> int:
    """Cost of one call in micro-dollars, rounded half-up to a whole micro-dollar.

    Prices are micro-dollars per million tokens.
    """
    numerator = input_tokens * input_per_million + output_tokens * output_per_million
    return int((Decimal(numerator) / 1_000_000).quantize(Decimal(1), rounding=ROUND_HALF_UP))
