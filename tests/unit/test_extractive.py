from ragtime.domain import Chunk, Hit
from ragtime.generation import NOT_FOUND
from ragtime.generation.extractive import ExtractiveGenerator


def _hit(text: str, title: str = "guide.pdf", vector_score: float = 0.6, page: int = 2) -> Hit:
    return Hit(Chunk("d-" + title, 0, text, page, page), title, 1.0, vector_score, 3.0)


def test_answers_with_the_sentence_that_answers_and_cites_it() -> None:
    hits = [
        _hit(
            "Our Services. Landing Page for Small Businesses ($4,820). "
            "The design is mobile-friendly and optimized for SEO."
        ),
        _hit("Monopoly is a game for 2 to 8 players.", title="monopoly.pdf", page=1),
    ]
    answer = ExtractiveGenerator().generate("How much does a landing page cost?", hits)

    assert answer.found
    assert "$4,820" in answer.text
    assert answer.text.splitlines()[0].endswith("[1]")
    assert answer.citations[0].title == "guide.pdf"
    assert answer.citations[0].pages == "p. 2"


def test_says_so_instead_of_guessing_when_nothing_relevant_was_found() -> None:
    answer = ExtractiveGenerator(min_score=0.3).generate(
        "What is the capital of France?", [_hit("Rent is due monthly.", vector_score=0.05)]
    )
    assert not answer.found
    assert answer.text == NOT_FOUND
    assert answer.citations == ()


def test_no_hits_is_not_found() -> None:
    assert not ExtractiveGenerator().generate("anything?", []).found


def test_citation_numbers_follow_the_order_they_are_used() -> None:
    hits = [
        _hit("Trains cost one card per space.", title="a.pdf"),
        _hit("Train routes score points by length.", title="b.pdf"),
    ]
    answer = ExtractiveGenerator().generate("How do train routes score points?", hits)
    assert [c.number for c in answer.citations] == list(range(1, len(answer.citations) + 1))
    assert "[1]" in answer.text


def test_an_option_question_leads_with_the_line_that_describes_the_option() -> None:
    usage = _hit(
        "Usage: asn1Parser [OPTION] FILE\n"
        "Read FILE with ASN.1 definitions and generate a C array for the ASN.1 parser.\n"
        "-c, --check checks the syntax only.\n"
        "-o, --output FILE output file.\n"
        "-n, --name NAME array name."
    )
    answer = ExtractiveGenerator().generate("What does the -c option of asn1Parser do?", [usage])
    assert answer.text.splitlines()[0].startswith("-c, --check checks the syntax only.")


def test_a_follow_up_is_answered_about_the_threads_subject_with_a_duration() -> None:
    from ragtime.generation import Turn

    faq = _hit(
        "We value long-term relationships and building trust with every client. "
        "On average, landing pages can be completed in 4 weeks, while e-commerce sites "
        "require 7-10 weeks. You can take part in every review."
    )
    history = [Turn("How much does a landing page cost?", "It costs $4,820.")]
    answer = ExtractiveGenerator().generate(
        "And how long does it take to build?", [faq], history=history
    )
    assert answer.text.splitlines()[0].startswith("On average, landing pages can be completed")


def test_a_heading_does_not_stand_in_for_the_sentence_under_it() -> None:
    page = _hit(
        "Onboarding\n\nOnboarding takes two weeks for every new starter.\n"
        "Every starter meets their buddy on the first morning."
    )
    answer = ExtractiveGenerator().generate("How long does onboarding take?", [page])
    assert answer.text.splitlines()[0].startswith("Onboarding takes two weeks")
    priced = _hit("Monthly Retainer ($260/month):\nThe retainer covers maintenance and support.")
    answer = ExtractiveGenerator().generate("How much is the monthly retainer?", [priced])
    assert answer.text.splitlines()[0].startswith("Monthly Retainer ($260/month)")
