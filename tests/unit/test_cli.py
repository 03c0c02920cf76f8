"""The `ragtime` command end to end on the hashing embedder (no model)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ragtime.cli import main
from tests.pdfs import make_pdf

PRICES = make_pdf(
    [
        ["Galaxy Design price list", "A landing page costs $4,820 and takes two weeks."],
        ["An e-commerce website costs $23,800.", "Support answers email in three business days."],
    ]
)
RULES = make_pdf([["Monopoly rules", "Each player starts with $1,500 from the bank."]])


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RAGTIME_EMBEDDER", "hashing")
    monkeypatch.setenv("RAGTIME_DATA_DIR", str(tmp_path / "data"))
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "prices.pdf").write_bytes(PRICES)
    (docs / "rules.pdf").write_bytes(RULES)
    return docs


def test_ingest_indexes_good_files_and_names_each_bad_one(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (folder / "broken.pdf").write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 100)
    (folder / "notes.pdf").write_bytes(b"just some text, not a pdf")

    assert main(["ingest", str(folder)]) == 1
    out, err = capsys.readouterr()
    assert "Indexed 2 of 4 files: 3 pages" in out
    assert "broken.pdf: This file looks damaged" in err or "broken.pdf:" in err
    assert "notes.pdf: This file is not a PDF" in err

    assert main(["search", "landing page price", "--json"]) == 0
    results = json.loads(capsys.readouterr().out)["results"]
    assert results[0]["doc"] == "prices.pdf"
    assert results[0]["page_start"] == 1


def test_search_queries_writes_one_stable_line_per_query(
    folder: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["ingest", str(folder)]) == 0
    queries = tmp_path / "q.jsonl"
    queries.write_text(
        json.dumps({"id": "a", "question": "How much money does each player start with?"})
        + "\n"
        + json.dumps({"id": "b", "question": "How much is an e-commerce website?"})
        + "\n"
    )
    capsys.readouterr()
    assert main(["search", "--queries", str(queries), "--k", "2", "--json"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]

    assert [line["id"] for line in lines] == ["a", "b"]
    first = lines[0]["results"][0]
    assert set(first) == {"doc", "page_start", "page_end", "text", "score"}
    assert first["doc"] == "rules.pdf" and "$1,500" in first["text"]
    assert lines[1]["results"][0]["page_end"] == 2
    assert all(len(line["results"]) <= 2 for line in lines)


def test_ask_prints_the_answer_with_numbered_citations(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ingest", str(folder)]) == 0
    capsys.readouterr()

    assert main(["ask", "How much does a landing page cost?"]) == 0
    out = capsys.readouterr().out
    assert "$4,820" in out
    assert "[1]" in out
    assert "Sources:\n[1] prices.pdf, pp. 1-2" in out


def test_ingesting_the_same_files_again_changes_nothing(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ingest", str(folder)]) == 0
    assert main(["ingest", str(folder / "prices.pdf")]) == 0
    capsys.readouterr()
    assert main(["search", "landing page", "--k", "50", "--json"]) == 0
    results = json.loads(capsys.readouterr().out)["results"]
    texts = [r["text"] for r in results]
    assert len(texts) == len(set(texts))


def test_conversation_scope_keeps_documents_apart(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ingest", str(folder / "prices.pdf"), "--conversation", "C-sales"]) == 0
    assert main(["ingest", str(folder / "rules.pdf"), "--conversation", "C-games"]) == 0
    capsys.readouterr()

    assert main(["search", "landing page cost", "--conversation", "C-games", "--json"]) == 0
    docs = {r["doc"] for r in json.loads(capsys.readouterr().out)["results"]}
    assert docs == {"rules.pdf"}


def test_a_bad_setting_stops_the_command_with_one_sentence(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("RAGTIME_SEARCH_KK", "3")
    assert main(["search", "anything"]) == 2
    assert capsys.readouterr().err.strip() == (
        "ragtime: Unknown setting RAGTIME_SEARCH_KK; did you mean RAGTIME_SEARCH_K?"
    )


def test_ingest_progress_counts_pages_across_all_files(
    folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import ragtime.local_files
    import ragtime.pipeline
    from ragtime.bootstrap import build_services
    from ragtime.domain import DocumentScope
    from ragtime.local_files import RunProgress, find_pdfs, ingest_files
    from ragtime.settings import load_settings

    monkeypatch.setattr(ragtime.pipeline, "EMBED_SLICE", 1)
    monkeypatch.setattr(ragtime.local_files, "GROUP_PAGES", 1)  # a group per file
    (folder / "broken.pdf").write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 100)
    heard: list[RunProgress] = []
    services = build_services(load_settings())
    try:
        ingest_files(
            services, find_pdfs([folder]), DocumentScope("local"), on_progress=heard.append
        )
    finally:
        services.close()

    done = [p.pages_done for p in heard]
    assert done == sorted(done)  # never goes back
    assert all(p.pages_done <= p.pages_total and p.files == 3 for p in heard)
    last = heard[-1]
    assert (last.files_done, last.pages_done, last.pages_total, last.estimated) == (3, 3, 3, False)
    assert last.chunks == 2

    # The command shows it as one bar in pages, then the summary.
    assert main(["ingest", str(folder)]) == 1
    out, err = capsys.readouterr()
    assert "3/3" in err and "page/s" in err and "chunks" in err
    assert "Indexed 2 of 3 files: 3 pages" in out
