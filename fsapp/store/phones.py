"""Phone numbers in one shape (E.164): see :mod:`fsapp.phones`, which every layer shares."""

from fsapp.phones import DEFAULT_REGION, normalize_phone

__all__ = ["DEFAULT_REGION", "normalize_phone"]
