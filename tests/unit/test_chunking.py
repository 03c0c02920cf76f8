import itertools

from ragtime.chunking import chunk_pages
from ragtime.domain import Page
from ragtime.tokens import estimate_tokens


def _page(number: int, lines: list[str]) -> Page:
    return Page(number, "\n".join(lines))


def test_chunks_remember_the_pages_they_span() -> None:
    pages = [
        _page(1, [f"Page one sentence {i} about trains and tickets." for i in range(6)]),
        _page(2, [f"Page two sentence {i} about houses and hotels." for i in range(6)]),
        _page(3, [f"Page three sentence {i} about mortgages." for i in range(6)]),
    ]
    chunks = chunk_pages(
        "doc", pages, max_tokens=50, overlap_tokens=10, count_tokens=estimate_tokens
    )

    assert [c.ordinal for c in chunks] == list(range(len(chunks)))
    for chunk in chunks:
        for n, word in ((1, "one"), (2, "two"), (3, "three")):
            if f"Page {word} sentence" in chunk.text:
                assert chunk.page_start <= n <= chunk.page_end
        assert chunk.page_start <= chunk.page_end
    assert any(c.page_start == 1 and c.page_end == 2 for c in chunks)
    assert chunks[-1].page_end == 3


def test_every_chunk_fits_the_token_budget_and_overlaps_the_previous() -> None:
    pages = [_page(1, [f"line {i} " + "word " * 7 for i in range(40)])]
    chunks = chunk_pages(
        "doc", pages, max_tokens=50, overlap_tokens=15, count_tokens=estimate_tokens
    )

    assert len(chunks) > 3
    for chunk in chunks:
        assert sum(estimate_tokens(chunk.text.splitlines())) <= 50
    for before, after in itertools.pairwise(chunks):
        assert before.text.splitlines()[-1] == after.text.splitlines()[0]


def test_a_line_longer_than_the_budget_is_split_not_dropped() -> None:
    words = [f"w{i}" for i in range(300)]
    chunks = chunk_pages("doc", [Page(1, " ".join(words))], max_tokens=40, overlap_tokens=0,
                         count_tokens=estimate_tokens)  # fmt: skip

    assert len(chunks) > 3
    assert " ".join(c.text for c in chunks).split() == words


def test_running_headers_and_page_numbers_are_dropped() -> None:
    topics = ["trains", "hotels", "tickets", "mortgages", "auctions"]
    pages = [
        _page(n, ["ACME Handbook 2024", f"All about {topic}.", f"More on {topic}.", str(n)])
        for n, topic in enumerate(topics, start=1)
    ]
    chunks = chunk_pages(
        "doc", pages, max_tokens=200, overlap_tokens=0, count_tokens=estimate_tokens
    )
    text = "\n".join(c.text for c in chunks)

    assert "ACME Handbook" not in text
    assert all(f"All about {topic}." in text for topic in topics)
    assert "\n3\n" not in f"\n{text}\n"


def test_chunk_ids_are_deterministic() -> None:
    pages = [_page(1, ["alpha beta gamma"] * 30)]
    first = chunk_pages(
        "doc-1", pages, max_tokens=20, overlap_tokens=5, count_tokens=estimate_tokens
    )
    again = chunk_pages(
        "doc-1", pages, max_tokens=20, overlap_tokens=5, count_tokens=estimate_tokens
    )

    assert [c.chunk_id for c in first] == [c.chunk_id for c in again]
    assert len({c.chunk_id for c in first}) == len(first)


def test_no_text_gives_no_chunks() -> None:
    assert chunk_pages("doc", [Page(1, "   \n ")], count_tokens=estimate_tokens) == []
