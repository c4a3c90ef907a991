"""How model names are compared: normalisation, maker prefixes, nearest names.

People write the same machine many ways: ``"S9"``, ``"antminer s9"``,
``"Antminer S9 13.5T"``, ``"Bitmain Antminer S9 (13.5 TH/s)"``, or the Chinese
trade name ``"蚂蚁S9"`` ("ant S9") used on farms and in F2Pool's tables. Lookup
compares *keys*: a name folded to lower case with whitespace and punctuation
removed (``+`` is kept: ``T9`` and ``T9+`` are different machines, and a ``.``
between digits is kept: ``13.5`` is not ``135``) and hashrate units after a
number reduced to ``t`` (``13.5 TH/s`` -> ``13.5t``). A key may also lose leading
maker or brand words (``bitmain``, ``antminer``, ``蚂蚁``, ...), so
``"Bitmain S9"`` finds ``"Antminer S9"``.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable

__all__ = [
    "MAKER_PREFIXES",
    "name_key",
    "nearest",
    "strip_maker_prefixes",
]

#: Maker and brand words that may lead a model name, in Latin script and in the
#: Chinese trade names: 蚂蚁(矿机) = Ant(miner), 比特大陆 = Bitmain, 神马 = WhatsMiner,
#: 比特微 = MicroBT, 阿瓦隆 = Avalon, 嘉楠 = Canaan, 翼比特 = Ebit, 亿邦 = Ebang.
#: Longest first, so that ``avalonminer`` is removed whole rather than as ``avalon``.
MAKER_PREFIXES: tuple[str, ...] = tuple(
    sorted(
        {
            "bitmain", "antminer", "蚂蚁矿机", "蚂蚁", "比特大陆",
            "microbt", "whatsminer", "神马矿机", "神马", "比特微",
            "canaan", "avalonminer", "avalon", "阿瓦隆矿机", "阿瓦隆", "嘉楠耘智", "嘉楠",
            "ebang", "ebit", "翼比特", "亿邦",
            "halongmining", "halong", "dragonmint", "innosilicon", "bitfury",
            "nvidia", "geforce", "amd", "radeon",
        },
        key=lambda p: (-len(p), p),
    )
)

_WHITESPACE = re.compile(r"\s+")
#: Everything but letters, digits (any script), ``+`` and ``.``.
_PUNCTUATION = re.compile(r"[^\w+.]|_")
#: A ``.`` that is not a decimal point.
_STRAY_DOT = re.compile(r"(?<!\d)\.|\.(?!\d)")
#: A hashrate unit after a number: ``13.5ths`` or ``13.5th`` -> ``13.5t`` (``/`` is gone by then).
_UNIT = re.compile(r"(\d)th(?:s)?(?![a-z])")


def name_key(name: str) -> str:
    """Return the comparison key of a model name.

    Parameters
    ----------
    name : str
        A model name or alias as a person would write it.

    Returns
    -------
    str
        Case-folded, NFKC-normalised (full-width ``Ｓ９`` is ``s9``), without
        whitespace or punctuation except ``+`` and decimal points, with hashrate
        units after numbers reduced to ``t``. E.g. ``name_key("Antminer S9 (13.5 TH/s)")
        == "antminers913.5t"``.

    """
    # NFKC around casefold (Unicode's NFKC_Casefold idea), and again once separators are
    # gone, because removing them can join a letter to a combining mark.
    key = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())
    key = _WHITESPACE.sub("", key)
    key = _PUNCTUATION.sub("", key)
    key = _STRAY_DOT.sub("", unicodedata.normalize("NFKC", key))
    return _UNIT.sub(r"\1t", key)


def strip_maker_prefixes(key: str) -> str:
    """Remove leading maker and brand words from a key (repeatedly).

    Parameters
    ----------
    key : str
        A key from :func:`name_key`.

    Returns
    -------
    str
        The key without leading words of :data:`MAKER_PREFIXES`, e.g.
        ``"bitmainantminers9"`` -> ``"s9"``; the key itself if nothing would remain.

    """
    stripped = key
    changed = True
    while changed:
        changed = False
        for prefix in MAKER_PREFIXES:
            if stripped.startswith(prefix) and len(stripped) > len(prefix):
                stripped = stripped[len(prefix):]
                changed = True
                break
    return stripped


def nearest(
    name: str, candidates: Iterable[tuple[str, str]], *, n: int = 5, cutoff: float = 0.6
) -> list[str]:
    """Return the canonical names whose keys are most similar to ``name``.

    Parameters
    ----------
    name : str
        The name that was not found.
    candidates : iterable of (str, str)
        Pairs ``(name or alias, canonical model name)``.
    n : int
        At most this many suggestions.
    cutoff : float
        Minimum similarity in [0, 1] (difflib's ratio) for a suggestion.

    Returns
    -------
    list of str
        Distinct canonical model names, most similar first.

    """
    query = name_key(name)
    queries = {query, strip_maker_prefixes(query)}
    best: dict[str, float] = {}
    order: dict[str, int] = {}
    for index, (alias, canonical) in enumerate(candidates):
        alias_key = name_key(alias)
        for candidate in {alias_key, strip_maker_prefixes(alias_key)}:
            for q in queries:
                score = difflib.SequenceMatcher(None, q, candidate).ratio()
                if score > best.get(canonical, -1.0):
                    best[canonical] = score
                    order.setdefault(canonical, index)
    ranked = sorted(
        (c for c, s in best.items() if s >= cutoff), key=lambda c: (-best[c], order[c])
    )
    return ranked[:n]
