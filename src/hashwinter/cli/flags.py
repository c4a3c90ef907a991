"""Parsing of flag values shared by the subcommands (one error text for each kind)."""

from __future__ import annotations

import datetime as dt

from hashwinter.errors import InputError

__all__ = ["date_flag"]


def date_flag(value: str | None, field: str) -> dt.date | None:
    """Return the date of a ``YYYY-MM-DD`` flag (None when not given).

    >>> date_flag("2018-11-25", "--from")
    datetime.date(2018, 11, 25)
    >>> date_flag("25/11/2018", "--from")
    Traceback (most recent call last):
    ...
    hashwinter.errors.InputError: --from: not a date YYYY-MM-DD: '25/11/2018'
    """
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(f"not a date YYYY-MM-DD: {value!r}", field=field) from None
