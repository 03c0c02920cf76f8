"""ragtime.pdf: every PDF here is built inside the test, by hand or with pypdf's writer."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import zlib
from collections.abc import Iterator
from typing import Any

import pytest

import ragtime.pdf
from ragtime.pdf import PdfError, PdfLimits, _normalise, extract_pages
from tests.pdfs import GOOD, NESTED, _stream, blank_pages, encrypt, make_pdf


def refused(data: bytes, **limits: Any) -> PdfError:
    with pytest.raises(PdfError) as caught:
        extract_pages(data, PdfLimits(**limits))
    message = str(caught.value)
    # One sentence a Slack user can read, with no trace of the file's bytes.
    assert message[0].isupper() and message.endswith(".")
    assert "\n" not in message and ". " not in message and len(message) < 220
    assert "b'" not in message and "%PDF" not in message and "Traceback" not in message
    return caught.value


def test_reads_pages_in_order_with_one_based_numbers() -> None:
    pages = extract_pages(GOOD)

    assert [page.number for page in pages] == [1, 2, 3]
    assert pages[0].text == "Quarterly report\nThe information below is final."
    assert pages[1].text == "Revenue (net) grew 5%"
    assert pages[2].text == "Appendix"


def test_tolerates_junk_before_the_header() -> None:
    pages = extract_pages(b"\r\n  " + b"x" * 500 + GOOD)

    assert [page.text for page in pages][2] == "Appendix"


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 2000,
        b"Quarterly report\nThe information below is final.\n",
        b"",
        b"x" * 2000 + GOOD,  # the header is too far in to be a PDF
    ],
    ids=["png", "text", "empty", "header-too-late"],
)
def test_rejects_files_that_are_not_pdfs(data: bytes) -> None:
    error = refused(data)

    assert error.kind == "not_pdf"
    assert "not a PDF" in str(error)


@pytest.mark.parametrize("algorithm", ["RC4-128", "AES-256"])
def test_rejects_a_pdf_locked_with_a_password(algorithm: str) -> None:
    error = refused(encrypt(GOOD, "s3cret", algorithm))

    assert error.kind == "encrypted"
    assert "password" in str(error)


def test_reads_a_pdf_encrypted_with_an_empty_user_password() -> None:
    pages = extract_pages(encrypt(GOOD, ""))

    assert [page.text for page in pages][1] == "Revenue (net) grew 5%"


@pytest.mark.parametrize(
    "data",
    [
        GOOD[: len(GOOD) // 2],
        b"%PDF-1.7\n" + b"\x00garbage\xff(" * 500,
        b"%PDF-1.7\n",
        make_pdf([NESTED, NESTED]),
    ],
    ids=["truncated", "garbage-after-header", "header-only", "every-page-broken"],
)
def test_reports_a_damaged_pdf_as_corrupt(data: bytes) -> None:
    error = refused(data)

    assert error.kind == "corrupt"
    assert "damaged" in str(error)


def test_one_broken_page_keeps_the_others() -> None:
    pages = extract_pages(make_pdf([["First page"], NESTED, ["Third page"]]))

    assert [(page.number, page.text) for page in pages] == [
        (1, "First page"),
        (2, ""),
        (3, "Third page"),
    ]


def test_rejects_a_file_over_the_size_limit() -> None:
    error = refused(GOOD, max_bytes=1024)

    assert error.kind == "too_large"
    assert f"is {len(GOOD) / 1024:.1f} KB, over the 1 KB limit" in str(error)


def test_rejects_a_pdf_over_the_page_limit() -> None:
    error = refused(GOOD, max_pages=2)

    assert error.kind == "too_many_pages"
    assert "has 3 pages, over the 2-page limit" in str(error)


def test_a_scan_without_text_asks_for_ocr() -> None:
    error = refused(blank_pages(3))

    assert error.kind == "no_text"
    assert "scanned" in str(error) and "OCR" in str(error) and "ocrmypdf" in str(error)


@pytest.fixture
def children(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[subprocess.Popen[bytes]]]:
    """Every child process extract_pages starts."""
    started: list[subprocess.Popen[bytes]] = []
    real_popen = subprocess.Popen

    def recording_popen(*args: Any, **kwargs: Any) -> subprocess.Popen[bytes]:
        child = real_popen(*args, **kwargs)
        started.append(child)
        return child

    monkeypatch.setattr(subprocess, "Popen", recording_popen)
    yield started


def test_kills_the_reader_when_it_takes_too_long(
    children: list[subprocess.Popen[bytes]],
) -> None:
    # ~200,000 text operators on one page: pypdf needs several seconds to extract them.
    slow = make_pdf([_stream(b"BT /F1 12 Tf 72 720 Td " + b"(word) Tj 1 0 Td " * 200_000 + b"ET")])

    started = time.monotonic()
    error = refused(slow, timeout_seconds=0.5)
    elapsed = time.monotonic() - started

    assert error.kind == "timeout"
    assert "0.5-second limit" in str(error)
    assert elapsed < 2.5
    [child] = children
    assert child.returncode == -signal.SIGKILL
    with pytest.raises(ProcessLookupError):  # killed and reaped, not left behind
        os.kill(child.pid, 0)


def test_a_pdf_that_needs_too_much_memory_is_stopped_cleanly() -> None:
    # 70 MB of spaces deflate to ~70 KB (and stay under pypdf's own 75 MB unpacking cap).
    bomb = zlib.compress(b"BT /F1 12 Tf 72 720 Td (x) Tj ET\n" + b" " * 70_000_000, 9)
    data = make_pdf([_stream(bomb, b"/Filter /FlateDecode ")])

    error = refused(data, memory_mb=64)

    assert error.kind == "out_of_memory"
    assert "64 MB memory limit" in str(error)
    assert extract_pages(GOOD)[0].number == 1  # the parent is fine


def test_normalise_cleans_text_lightly() -> None:
    raw = "Data\x00 infor-\nmation\r\nJean-\nPaul  and\t\tco\x07.\n\n\n\n"
    raw += "End \ud800soft\u00adware\ufffd"

    assert _normalise(raw) == "Data information\nJean-\nPaul and co.\n\nEnd software"


def test_the_reader_process_stays_light() -> None:
    heavy = "{'torch', 'numpy', 'sentence_transformers'}"
    code = f"import sys, ragtime.pdf, pypdf; print(sorted({heavy} & set(sys.modules)))"
    done = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, check=True)

    assert done.stdout.strip() == b"[]"


@pytest.mark.parametrize(
    ("child_code", "kind"),
    [
        ("import os, signal; os.kill(os.getpid(), signal.SIGXCPU)", "timeout"),
        ("import os, signal; os.kill(os.getpid(), signal.SIGKILL)", "out_of_memory"),
        ("import os, signal; os.kill(os.getpid(), signal.SIGSEGV)", "corrupt"),
    ],
    ids=["cpu-limit", "oom-killer", "parser-crash"],
)
def test_a_reader_that_dies_without_answering_is_explained(
    monkeypatch: pytest.MonkeyPatch, child_code: str, kind: str
) -> None:
    monkeypatch.setattr(ragtime.pdf, "_CHILD_CODE", child_code + "  # {paths}")

    assert refused(GOOD).kind == kind


def test_a_reader_that_exits_without_answering_is_our_bug(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ragtime.pdf, "_CHILD_CODE", "import sys; sys.exit('no pypdf')  # {paths}")

    with pytest.raises(RuntimeError, match="no pypdf"):
        extract_pages(GOOD)
