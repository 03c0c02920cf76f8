"""ragtime.pdf: every PDF here is built inside the test, by hand or with pypdf's writer."""

from __future__ import annotations

import json
import math
import os
import resource
import signal
import subprocess
import sys
import time
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

import ragtime.pdf
import ragtime.pdf_process
from ragtime.domain import Page
from ragtime.pdf import PdfError, PdfLimits, PdfReaderProcess, extract_pages
from ragtime.pdf_child import _normalise
from tests.pdfs import GOOD, NESTED, _stream, blank_pages, encrypt, make_pdf

Extract = Callable[[bytes, PdfLimits], list[Page]]

# ~200,000 text operators on one page: pypdf needs several seconds to extract them.
SLOW = make_pdf([_stream(b"BT /F1 12 Tf 72 720 Td " + b"(word) Tj 1 0 Td " * 200_000 + b"ET")])
# 70 MB of spaces deflate to ~70 KB (and stay under pypdf's own 75 MB unpacking cap).
BOMB = make_pdf(
    [
        _stream(
            zlib.compress(b"BT /F1 12 Tf 72 720 Td (x) Tj ET\n" + b" " * 70_000_000, 9),
            b"/Filter /FlateDecode ",
        )
    ]
)


@pytest.fixture(scope="module")
def shared_reader() -> Iterator[PdfReaderProcess]:
    with PdfReaderProcess() as reader:
        yield reader


@pytest.fixture(params=["one-shot", "persistent"])
def extract(request: pytest.FixtureRequest) -> Extract:
    """Each behaviour test runs on a fresh child per file and on one long-lived reader."""
    if request.param == "one-shot":
        return extract_pages
    reader: PdfReaderProcess = request.getfixturevalue("shared_reader")
    return reader.extract


def refused(extract: Extract, data: bytes, **limits: Any) -> PdfError:
    with pytest.raises(PdfError) as caught:
        extract(data, PdfLimits(**limits))
    message = str(caught.value)
    # One sentence a Slack user can read, with no trace of the file's bytes.
    assert message[0].isupper() and message.endswith(".")
    assert "\n" not in message and ". " not in message and len(message) < 220
    assert "b'" not in message and "%PDF" not in message and "Traceback" not in message
    return caught.value


def test_reads_pages_in_order_with_one_based_numbers(extract: Extract) -> None:
    pages = extract(GOOD, PdfLimits())

    assert [page.number for page in pages] == [1, 2, 3]
    assert pages[0].text == "Quarterly report\nThe information below is final."
    assert pages[1].text == "Revenue (net) grew 5%"
    assert pages[2].text == "Appendix"


def test_tolerates_junk_before_the_header(extract: Extract) -> None:
    pages = extract(b"\r\n  " + b"x" * 500 + GOOD, PdfLimits())

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
def test_rejects_files_that_are_not_pdfs(extract: Extract, data: bytes) -> None:
    error = refused(extract, data)

    assert error.kind == "not_pdf"
    assert "not a PDF" in str(error)


@pytest.mark.parametrize("algorithm", ["RC4-128", "AES-256"])
def test_rejects_a_pdf_locked_with_a_password(extract: Extract, algorithm: str) -> None:
    error = refused(extract, encrypt(GOOD, "s3cret", algorithm))

    assert error.kind == "encrypted"
    assert "password" in str(error)


def test_reads_a_pdf_encrypted_with_an_empty_user_password(extract: Extract) -> None:
    pages = extract(encrypt(GOOD, ""), PdfLimits())

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
def test_reports_a_damaged_pdf_as_corrupt(extract: Extract, data: bytes) -> None:
    error = refused(extract, data)

    assert error.kind == "corrupt"
    assert "damaged" in str(error)


def test_one_broken_page_keeps_the_others(extract: Extract) -> None:
    pages = extract(make_pdf([["First page"], NESTED, ["Third page"]]), PdfLimits())

    assert [(page.number, page.text) for page in pages] == [
        (1, "First page"),
        (2, ""),
        (3, "Third page"),
    ]


def test_rejects_a_file_over_the_size_limit(extract: Extract) -> None:
    error = refused(extract, GOOD, max_bytes=1024)

    assert error.kind == "too_large"
    assert f"is {len(GOOD) / 1024:.1f} KB, over the 1 KB limit" in str(error)


def test_rejects_a_pdf_over_the_page_limit(extract: Extract) -> None:
    error = refused(extract, GOOD, max_pages=2)

    assert error.kind == "too_many_pages"
    assert "has 3 pages, over the 2-page limit" in str(error)


def test_a_scan_without_text_asks_for_ocr(extract: Extract) -> None:
    error = refused(extract, blank_pages(3))

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
    started = time.monotonic()
    error = refused(extract_pages, SLOW, timeout_seconds=0.5)
    elapsed = time.monotonic() - started

    assert error.kind == "timeout"
    assert "0.5-second limit" in str(error)
    assert elapsed < 2.5
    [child] = children
    assert child.returncode == -signal.SIGKILL
    with pytest.raises(ProcessLookupError):  # killed and reaped, not left behind
        os.kill(child.pid, 0)


def test_a_pdf_that_needs_too_much_memory_is_stopped_cleanly(extract: Extract) -> None:
    error = refused(extract, BOMB, memory_mb=64)

    assert error.kind == "out_of_memory"
    assert "64 MB memory limit" in str(error)
    assert extract(GOOD, PdfLimits())[0].number == 1  # the parent is fine, and so is the next child


def test_normalise_cleans_text_lightly() -> None:
    raw = "Data\x00 infor-\nmation\r\nJean-\nPaul  and\t\tco\x07.\n\n\n\n"
    raw += "End \ud800soft\u00adware\ufffd"

    assert _normalise(raw) == "Data information\nJean-\nPaul and co.\n\nEnd software"


def test_the_reader_process_stays_light() -> None:
    code = "import json, sys, ragtime.pdf_child; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, check=True)
    loaded = set(json.loads(done.stdout))

    assert "pypdf" in loaded
    assert not loaded & {"torch", "numpy", "sentence_transformers", "pydantic", "sqlalchemy"}
    assert {m for m in loaded if m.partition(".")[0] == "ragtime"} == {
        "ragtime",
        "ragtime.pdf_child",
    }


def die_on(marker: bytes, how: str) -> str:
    """Child code that serves files normally but dies ``how`` on one containing ``marker``."""
    return (
        "import os, signal, sys; sys.path[:0] = {paths!r}; import ragtime.pdf_child as m;"
        f" real = m._read; m._read = lambda data, n, report: ({how}) if {marker!r} in data"
        " else real(data, n, report);"
        " m.main()"
    )


DYING = [
    ("os.kill(os.getpid(), signal.SIGXCPU)", "timeout"),
    ("os.kill(os.getpid(), signal.SIGKILL)", "out_of_memory"),
    ("os.kill(os.getpid(), signal.SIGSEGV)", "corrupt"),
]
DYING_IDS = ["cpu-limit", "oom-killer", "parser-crash"]


@pytest.mark.parametrize(("how", "kind"), DYING, ids=DYING_IDS)
def test_a_reader_that_dies_without_answering_is_explained(
    monkeypatch: pytest.MonkeyPatch, how: str, kind: str
) -> None:
    monkeypatch.setattr(ragtime.pdf_process, "CHILD_CODE", f"import os, signal; {how}  # {{paths}}")

    assert refused(extract_pages, GOOD).kind == kind


@pytest.mark.parametrize(("how", "kind"), DYING, ids=DYING_IDS)
def test_a_reader_that_dies_mid_file_is_explained_and_replaced(
    monkeypatch: pytest.MonkeyPatch, how: str, kind: str
) -> None:
    monkeypatch.setattr(ragtime.pdf_process, "CHILD_CODE", die_on(b"Deadly", how))
    deadly = make_pdf([["Deadly page"]])

    with PdfReaderProcess() as reader:
        good = reader.extract(GOOD)
        first = reader.pid
        assert refused(reader.extract, deadly).kind == kind
        assert gone(first) and reader.pid is None

        assert reader.extract(GOOD) == good
        assert reader.pid not in (None, first)


@pytest.mark.parametrize("persistent", [False, True], ids=["one-shot", "persistent"])
def test_a_reader_that_exits_without_answering_is_our_bug(
    monkeypatch: pytest.MonkeyPatch, persistent: bool
) -> None:
    monkeypatch.setattr(
        ragtime.pdf_process, "CHILD_CODE", "import sys; sys.exit('no pypdf')  # {paths}"
    )

    with pytest.raises(RuntimeError, match="no pypdf"):
        PdfReaderProcess().extract(GOOD) if persistent else extract_pages(GOOD)


# ---- The long-lived reader. -----------------------------------------------------------------


def gone(pid: int | None) -> bool:
    """True once the process is dead and reaped."""
    assert pid is not None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_one_child_reads_many_files() -> None:
    files = [make_pdf([[f"Document {n}", "Some text."]]) for n in range(8)]

    with PdfReaderProcess() as reader:
        reader.extract(GOOD)
        pid = reader.pid
        texts = [reader.extract(data)[0].text for data in files]

        assert texts == [f"Document {n}\nSome text." for n in range(8)]
        assert reader.pid == pid


def test_a_hostile_file_between_two_good_ones_changes_nothing() -> None:
    hostile = [
        make_pdf([NESTED, NESTED]),
        b"%PDF-1.7\n" + b"\x00garbage\xff(" * 500,
        encrypt(GOOD, "s3cret"),
        GOOD[: len(GOOD) // 2],
        blank_pages(2),
    ]
    with PdfReaderProcess() as reader:
        before = reader.extract(GOOD)
        pid = reader.pid
        for data in hostile:
            refused(reader.extract, data)

            assert reader.extract(GOOD) == before
        assert reader.pid == pid


def test_after_a_timeout_the_next_file_gets_a_new_child() -> None:
    with PdfReaderProcess() as reader:
        good = reader.extract(GOOD)
        first = reader.pid

        started = time.monotonic()
        error = refused(reader.extract, SLOW, timeout_seconds=0.5)

        assert error.kind == "timeout" and "0.5-second limit" in str(error)
        assert time.monotonic() - started < 2.5
        assert gone(first) and reader.pid is None  # killed and reaped
        assert reader.extract(GOOD) == good
        assert reader.pid not in (None, first)


def test_after_running_out_of_memory_the_next_file_gets_a_new_child() -> None:
    limits = PdfLimits(memory_mb=64)
    with PdfReaderProcess() as reader:
        good = reader.extract(GOOD, limits)
        first = reader.pid

        assert refused(reader.extract, BOMB, memory_mb=64).kind == "out_of_memory"
        assert gone(first) and reader.pid is None  # it answered, then left

        assert reader.extract(GOOD, limits) == good
        assert reader.pid not in (None, first)


def test_the_child_is_replaced_after_n_files_and_when_the_memory_limit_changes() -> None:
    with PdfReaderProcess(recycle_after=3) as reader:
        reader.extract(GOOD)
        first = reader.pid
        reader.extract(GOOD)
        assert reader.pid == first
        reader.extract(GOOD)
        assert reader.pid is None and gone(first)  # retired after its third file

        reader.extract(GOOD, PdfLimits(memory_mb=512))
        second = reader.pid
        reader.extract(GOOD, PdfLimits(memory_mb=256))
        assert reader.pid not in (None, first, second) and gone(second)


def proc_limits(pid: int | None) -> dict[str, tuple[str, str]]:
    lines = Path(f"/proc/{pid}/limits").read_text().splitlines()[1:]
    return {line[:26].strip(): (line[26:47].strip(), line[47:68].strip()) for line in lines}


def test_each_file_gets_its_own_cpu_budget_under_one_memory_cap() -> None:
    with PdfReaderProcess() as reader:
        reader.extract(GOOD, PdfLimits(timeout_seconds=4.5, memory_mb=256))
        stat = Path(f"/proc/{reader.pid}/stat").read_text().rpartition(")")[2].split()
        used = (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime
        limits = proc_limits(reader.pid)

    assert limits["Max address space"] == (str(256 * 1024 * 1024),) * 2
    soft, hard = limits["Max cpu time"]
    # 5 + 1 seconds for this file on top of the CPU the child had used before it (> 0 s).
    assert 6 < int(soft) <= 6 + math.ceil(used)
    if resource.getrlimit(resource.RLIMIT_CPU)[1] == resource.RLIM_INFINITY:
        assert hard == "unlimited"  # room for the soft limit of every file to come


def test_concurrent_callers_take_turns() -> None:
    files = [make_pdf([[f"Document {n}"]]) for n in range(8)]

    with PdfReaderProcess() as reader, ThreadPoolExecutor(max_workers=4) as pool:
        texts = list(pool.map(lambda data: reader.extract(data)[0].text, files))

    assert texts == [f"Document {n}" for n in range(8)]


def test_close_leaves_no_child_behind(children: list[subprocess.Popen[bytes]]) -> None:
    reader = PdfReaderProcess()
    reader.close()  # before any file: nothing to do
    reader.extract(GOOD)
    pid = reader.pid

    reader.close()
    reader.close()

    assert reader.pid is None and gone(pid)
    [child] = children
    assert child.returncode == 0  # it was let go, not killed
    with PdfReaderProcess() as reader:
        reader.extract(GOOD)
    assert len(children) == 2 and children[1].returncode == 0


def test_the_reader_reports_its_progress_through_a_long_file() -> None:
    from ragtime.pdf_child import PROGRESS_EVERY

    count = PROGRESS_EVERY * 2 + 3
    pdf = make_pdf([[f"Page {n} says something."] for n in range(1, count + 1)])
    heard: list[tuple[int, int]] = []
    with PdfReaderProcess() as reader:
        pages = reader.extract(pdf, on_progress=lambda done, of: heard.append((done, of)))
        # The next file on the same child starts its own count.
        good = reader.extract(GOOD, on_progress=lambda done, of: heard.append((done, of)))
    assert len(pages) == count
    assert heard == [
        (0, count), (PROGRESS_EVERY, count), (2 * PROGRESS_EVERY, count), (0, len(good))
    ]  # fmt: skip
