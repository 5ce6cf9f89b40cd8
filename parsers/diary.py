"""Diary numbers (asianumero, Dno, Dnr): recognise them and give them one spelling."""

from __future__ import annotations

import re

# "Asianro 2361/06.00.00/2020", "Dno OUKA/1472/02.02.02/2017", "TRE:1863/10.03.02/2016",
# Espoo's bare "5316/2016", "Dnr 12/2020", CloudNC's "MliDno-2018-2371".
_LABEL = (
    r"(?:asianro|asia\s*nro|asianumero|diaarinumero|dnro|dno|dnr|ärendenr|ärendenummer"
    r"|diarienr|diarienummer)\.?\s*:?\s*"
)
_NUMBER = (
    r"(?:(?:[A-ZÅÄÖa-zåäö]{2,12}\s?[:/-]\s?)?"  # OUKA/, TRE:
    r"\d{1,6}\s?/\s?(?:\d{2}(?:\.\d{2}){0,5}\s?/\s?)?\d{4}"  # 2361/06.00.00/2020
    r"|[A-ZÅÄÖ][A-Za-zåäö]{0,8}Dno-\d{4}-\d{1,6})"  # CloudNC: MliDno-2018-2371, ROIDno-…
)
DIARY_RE = re.compile(rf"(?i:{_LABEL})?(?P<number>{_NUMBER})")
_LABEL_RE = re.compile(rf"^\s*{_LABEL}", re.I)


# A full diary number after a label of one or two words pykala does not know
# ("Asiakirja 101/00.01.02/2026", "Kirjaamon nro: 12/01.00/2024").
_OTHER_LABEL_RE = re.compile(
    r"(?:[A-ZÅÄÖa-zåäö][\wåäöÅÄÖ.-]*\s+)?[A-ZÅÄÖa-zåäö][\wåäöÅÄÖ.-]*\s*:?\s+"
    r"(?P<number>\d{1,6}\s?/\s?\d{2}(?:\.\d{2}){1,5}\s?/\s?\d{4})"
)


def find_labelled_number(text: str) -> str | None:
    """A full diary number behind any short label (the head of an item page only)."""
    m = _OTHER_LABEL_RE.fullmatch(text.strip())
    return " ".join(m.group("number").split()) if m else None


def find_diary_number(text: str) -> str | None:
    """The diary number when ``text`` is nothing but one (optionally labelled), else None."""
    m = DIARY_RE.fullmatch(text.strip())
    return " ".join(m.group("number").split()) if m else None


def normalise_diary_number(s: str) -> str:
    """One spelling for comparison: no label, no spaces around separators, upper case.

    >>> normalise_diary_number("Asianro 2361/06.00.00/2020")
    '2361/06.00.00/2020'
    >>> normalise_diary_number("Dno ouka / 1472/02.02.02/2017")
    'OUKA/1472/02.02.02/2017'
    """
    s = _LABEL_RE.sub("", s)
    s = " ".join(s.split())
    s = re.sub(r"\s*([/:.-])\s*", r"\1", s)
    return s.upper()
