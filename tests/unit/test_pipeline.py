from __future__ import annotations

import pytest

from ragtime.bootstrap import Services
from ragtime.domain import DocumentInfo, DocumentScope, Scope
from ragtime.generation import NOT_FOUND, Turn
from ragtime.pdf import PdfError
from ragtime.pipeline import answer_question, ingest_document
from tests.pdfs import make_pdf

GUIDE = make_pdf(
    [
        ["Onboarding", "The kickoff call happens on day one of the project."],
        ["Timelines", "An e-commerce website takes 7-10 weeks to build."],
    ]
)
SCOPE = DocumentScope("T1", frozenset({"C1"}))


def test_ingest_then_answer_with_citations_and_timings(services: Services) -> None:
    result = ingest_document(
        services, document=DocumentInfo("d1", "guide.pdf"), scope=SCOPE, data=GUIDE
    )
    assert (result.pages, result.chunks) == (2, 1)

    answer = answer_question(
        services, question="How long does an e-commerce website take?", scope=Scope("T1", "C1")
    )
    assert answer.found
    assert "7-10 weeks" in answer.text
    assert answer.citations[0].title == "guide.pdf"
    assert answer.timings.embed_ms >= 0 and answer.timings.search_ms > 0
    assert answer.timings.total_ms >= answer.timings.search_ms


def test_a_question_from_another_conversation_finds_nothing(services: Services) -> None:
    ingest_document(services, document=DocumentInfo("d1", "guide.pdf"), scope=SCOPE, data=GUIDE)
    answer = answer_question(services, question="e-commerce website", scope=Scope("T1", "C2"))
    assert not answer.found
    assert answer.text == NOT_FOUND


def test_a_follow_up_is_searched_with_the_thread_history(services: Services) -> None:
    ingest_document(services, document=DocumentInfo("d1", "guide.pdf"), scope=SCOPE, data=GUIDE)
    history = [Turn("How long does an e-commerce website take to build?", "7-10 weeks [1]")]
    answer = answer_question(
        services, question="and why?", scope=Scope("T1", "C1"), history=history
    )
    assert answer.found


def test_a_bad_file_leaves_the_index_as_it_was(services: Services) -> None:
    ingest_document(services, document=DocumentInfo("d1", "guide.pdf"), scope=SCOPE, data=GUIDE)
    with pytest.raises(PdfError) as caught:
        ingest_document(
            services, document=DocumentInfo("d1", "guide.pdf"), scope=SCOPE, data=b"not a pdf"
        )
    assert caught.value.kind == "not_pdf"
    assert services.store.count() == 1
