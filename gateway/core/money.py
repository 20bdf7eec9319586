"""Fixed-scale integers for credits and money, so sums are exact on every engine.

Credits are stored as whole ten-thousandths, US dollars as whole micro-dollars.
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


def _two_places_at_least(number: Decimal) -> Decimal:
    """At least two decimals, no trailing zeros beyond them: ``12.5`` -> ``12.50``."""
    exponent = number.normalize().as_tuple().exponent
    assert isinstance(exponent, int)
    return number.quantize(Decimal(1).scaleb(min(-2, exponent)))


def _from_scaled(value: int, places: int) -> Decimal:
    # Integer arithmetic and one parse: the same value as quantizing the scaled Decimal, at a
    # fraction of the cost (a page formats a few hundred amounts).
    whole, part = divmod(abs(value), 10**places)
    decimals = f"{part:0{places}d}".rstrip("0").ljust(2, "0")
    return Decimal(f"{'-' if value < 0 else ''}{whole}.{decimals}")


def credits_from_int(value: int) -> Decimal:
    """``12500`` -> ``Decimal("1.25")``."""
    return _from_scaled(value, CREDIT_PLACES)


def usd_from_int(value: int) -> Decimal:
    """``1500`` -> ``Decimal("0.0015")``."""
    return _from_scaled(value, USD_PLACES)


def format_decimal(value: Decimal) -> str:
    """Plain notation, at least two decimals, never an exponent: ``12.50``, ``0.0125``."""
    _sign, digits, exponent = value.as_tuple()
    if isinstance(exponent, int) and (exponent == -2 or (exponent < -2 and digits[-1] != 0)):
        return f"{value:f}"  # already in shape (every amount from *_from_int is)
    return f"{_two_places_at_least(value):f}"


def call_cost_micros(
    *, input_tokens: int, output_tokens: int, input_per_million: int, output_per_million: int
) -> int:
    """Cost of one call in micro-dollars, rounded half-up to a whole micro-dollar.

    Prices are micro-dollars per million tokens.
    """
    numerator = input_tokens * input_per_million + output_tokens * output_per_million
    return int((Decimal(numerator) / 1_000_000).quantize(Decimal(1), rounding=ROUND_HALF_UP))
