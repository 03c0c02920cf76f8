"""Pages that only point elsewhere: tables of contents, indexes, lists of figures.

They repeat the very words of the pages that answer ("mpfr_dump . . . . 37"), so in
a hybrid search they often outrank them, yet they answer nothing. A page is
navigation when most of its lines are entries that end in page numbers: dot
leaders ("Installing . . . . 3"), or index entries ("command line, 17, 24"). Short
lines alone are not enough (code, tables, price lists): the page numbers must be
there, and a table of contents' run upwards. A document whose pages are nearly all
navigation keeps them: then they are its content.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence

from ragtime.domain import Page

_LEADER = re.compile(r"(?:\.\s*){3,}\s*(\d{1,4}|[ivxlcdm]{1,6})\s*$", re.IGNORECASE)
_INDEX_ENTRY = re.compile(r"^[^\d\s][^,]{0,80},\s*\d{1,4}(?:\s*[,–-]\s*\d{1,4})*\s*$")
_ENDS_IN_NUMBER = re.compile(r"\s(\d{1,4})\s*$")
_HEADING = re.compile(
    r"^\s*(table of contents|contents|index|[a-z ]{0,30} index|list of (figures|tables))\s*$",
    re.IGNORECASE,
)
MIN_ENTRIES = 5
# Past this share of a document's pages, navigation-like pages are its content.
KEEP_IF_SHARE_ABOVE = 0.6


def is_navigation(text: str) -> bool:
    """True for a page that is a table of contents, an index or the like."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) < MIN_ENTRIES:
        return False
    leaders = sum(1 for line in lines if _LEADER.search(line))
    entries = sum(1 for line in lines if _INDEX_ENTRY.match(line))
    headed = any(_HEADING.match(line) for line in lines[:4])
    if leaders >= MIN_ENTRIES and leaders >= 0.4 * len(lines):
        return True
    if entries >= MIN_ENTRIES and entries >= (0.3 if headed else 0.5) * len(lines):
        return True
    return headed and _ascending_page_numbers(lines)


def _ascending_page_numbers(lines: Sequence[str]) -> bool:
    """Most lines end in a page number and those numbers mostly go up (a contents page)."""
    numbers = [int(m.group(1)) for line in lines if (m := _ENDS_IN_NUMBER.search(line))]
    if len(numbers) < MIN_ENTRIES or len(numbers) < 0.6 * len(lines):
        return False
    rising = sum(1 for a, b in itertools.pairwise(numbers) if b >= a)
    return rising >= 0.8 * (len(numbers) - 1)


def content_pages(pages: Sequence[Page]) -> list[Page]:
    """The pages worth searching: navigation left out, unless it is most of the document."""
    navigation = [is_navigation(page.text) for page in pages]
    if pages and sum(navigation) > KEEP_IF_SHARE_ABOVE * len(pages):
        return list(pages)
    return [page for page, skip in zip(pages, navigation, strict=True) if not skip]
