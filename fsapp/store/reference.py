"""Case reference numbers: digits only (easy to key in on a phone) ending in an ISO 7064 MOD 11,10 check digit.

The check digit catches every single mistyped digit and almost every swap of two neighbouring digits, so the
IVR can say "that number is not valid" before looking anything up. A reference is ``YY`` (year) + a sequence
number of at least five digits + the check digit: ``24000013`` -> displayed ``24-00001-3``.
"""

from __future__ import annotations

from fsapp.store.errors import InvalidReference

SEQUENCE_DIGITS = 5


def check_digit(digits: str) -> str:
    """The ISO 7064 MOD 11,10 check digit of a string of digits."""
    product = 10
    for char in digits:
        total = (int(char) + product) % 10 or 10
        product = (total * 2) % 11
    return str((11 - product) % 10)


def is_valid(digits: str) -> bool:
    """Whether ``digits`` (check digit last) passes the MOD 11,10 check."""
    return len(digits) >= 2 and digits.isdigit() and check_digit(digits[:-1]) == digits[-1]


def make_reference(year: int, sequence: int) -> str:
    """The reference for case number ``sequence`` of ``year``."""
    if sequence < 1:
        raise ValueError("sequence numbers start at 1")
    body = f"{year % 100:02d}{sequence:0{SEQUENCE_DIGITS}d}"
    return body + check_digit(body)


def parse_reference(text: str) -> str:
    """A reference as typed (spaces, dashes, ``#`` from a keypad allowed) in its stored form.

    Raises :class:`InvalidReference` for a wrong length, non-digits or a check digit that does not match.
    """
    digits = "".join(ch for ch in text.strip().rstrip("#") if ch not in " -")
    if not digits.isdigit() or len(digits) < 2 + SEQUENCE_DIGITS + 1:
        raise InvalidReference(f"{text!r} is not a case reference")
    if not is_valid(digits):
        raise InvalidReference(f"{text!r} has a wrong check digit (mistyped?)")
    return digits


def display_reference(reference: str) -> str:
    """``24000013`` -> ``24-00001-3``: how the reference is printed and read out."""
    return f"{reference[:2]}-{reference[2:-1]}-{reference[-1]}"
