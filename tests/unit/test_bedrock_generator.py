"""The Bedrock generator and Titan embedder through real boto3, against the Bedrock stand-in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from ragtime.domain import Answer, Chunk, Hit
from ragtime.embedding.bedrock import MAX_INPUT_CHARS, TitanEmbedder
from ragtime.errors import GenerationError, ServiceError, ServiceUnavailableError
from ragtime.generation import NOT_FOUND, Turn
from ragtime.generation.bedrock import SYSTEM_PROMPT, BedrockGenerator, BedrockSettings
from tests.standins.bedrock import BedrockStandIn

MODEL = "anthropic.claude-3-5-haiku-20241022-v1:0"
REGION = "eu-central-1"


@pytest.fixture
def bedrock(monkeypatch: pytest.MonkeyPatch) -> Iterator[BedrockStandIn]:
    with BedrockStandIn() as standin:
        monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", standin.url)
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        monkeypatch.delenv("AWS_PROFILE", raising=False)
        yield standin


def generator(max_attempts: int = 3, min_score: float = 0.3) -> BedrockGenerator:
    config = BedrockSettings(
        model=MODEL, region=REGION, max_tokens=300, temperature=0.1, max_attempts=max_attempts
    )
    return BedrockGenerator(config, min_score=min_score)


def hit(doc: str, text: str, page: int, score: float = 0.6) -> Hit:
    return Hit(Chunk(doc, 0, text, page, page), f"{doc}.pdf", score, score, 0.0, f"https://s/{doc}")


HITS = [
    hit("rules", "Each player starts with $1,500 in cash.", 3),
    hit("guide", "A landing page costs $4,820.", 2),
]


def test_the_request_holds_the_rules_the_numbered_passages_and_the_question(
    bedrock: BedrockStandIn,
) -> None:
    bedrock.reply("A landing page costs $4,820 [2].")

    generator().generate("How much is a landing page?", HITS)

    [call] = bedrock.calls("Converse")
    assert call.model_id == MODEL
    assert call.body["system"] == [{"text": SYSTEM_PROMPT}]
    assert call.body["inferenceConfig"] == {"maxTokens": 300, "temperature": 0.1}
    [message] = call.body["messages"]
    assert message["role"] == "user"
    text = message["content"][0]["text"]
    assert "[1] rules.pdf, p. 3\nEach player starts with $1,500 in cash." in text
    assert "[2] guide.pdf, p. 2\nA landing page costs $4,820." in text
    assert text.endswith("Question: How much is a landing page?")
    assert "Authorization" in call.headers or "authorization" in call.headers


def test_citations_map_back_to_documents_and_pages_and_unknown_numbers_are_dropped(
    bedrock: BedrockStandIn,
) -> None:
    bedrock.reply("A landing page costs $4,820 [2]. Cash starts at $1,500 [1][7].")

    answer = generator().generate("Prices?", HITS)

    assert answer.found
    assert answer.text == "A landing page costs $4,820 [1]. Cash starts at $1,500 [2]."
    assert [(c.number, c.document_id, c.page_start, c.link) for c in answer.citations] == [
        (1, "guide", 2, "https://s/guide"),
        (2, "rules", 3, "https://s/rules"),
    ]


def test_the_threads_earlier_turns_go_as_conversation_history(bedrock: BedrockStandIn) -> None:
    bedrock.reply("It costs $4,820 [2].")
    history = [Turn("What does the agency build?", "Websites [1]."), Turn("Fast?", "Yes [1].")]

    generator().generate("And a landing page?", HITS, history)

    messages = bedrock.calls("Converse")[0].body["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant", "user", "assistant", "user"]
    assert messages[0]["content"][0]["text"] == "What does the agency build?"
    assert messages[1]["content"][0]["text"] == "Websites [1]."


def test_below_the_floor_the_model_is_never_called(bedrock: BedrockStandIn) -> None:
    weak = [hit("rules", "Unrelated text.", 1, score=0.1)]

    assert generator(min_score=0.3).generate("What is the capital of Peru?", weak).text == NOT_FOUND
    assert generator().generate("Anything?", []).found is False
    assert list(generator(min_score=0.3).stream("Peru?", weak))[-1].found is False  # type: ignore[union-attr]
    assert bedrock.requests == []


def test_tokens_used_are_on_the_answer(bedrock: BedrockStandIn) -> None:
    bedrock.reply("It costs $4,820 [2].", input_tokens=812, output_tokens=9)

    answer = generator().generate("Landing page?", HITS)

    assert (answer.input_tokens, answer.output_tokens, answer.model) == (812, 9, MODEL)


def test_throttling_is_retried_then_answers(bedrock: BedrockStandIn) -> None:
    bedrock.fail("ThrottlingException", times=2)
    bedrock.reply("It costs $4,820 [2].")

    assert generator(max_attempts=3).generate("Landing page?", HITS).found
    assert len(bedrock.calls("Converse")) == 3


def test_throttling_past_the_retries_is_one_sentence(bedrock: BedrockStandIn) -> None:
    bedrock.fail("ThrottlingException", times=5)

    with pytest.raises(ServiceUnavailableError) as caught:
        generator(max_attempts=2).generate("Landing page?", HITS)

    assert str(caught.value) == (
        "Amazon Bedrock is busy or unreachable, so I could not write the answer;"
        " please try again in a minute."
    )
    assert len(bedrock.calls("Converse")) == 2


@pytest.mark.parametrize(
    ("error", "sentence"),
    [
        ("ModelErrorException", f"The model {MODEL} failed"),
        ("AccessDeniedException", "refused access"),
        ("ValidationException", "check the model id and region"),
    ],
)
def test_a_model_error_is_not_retried_and_says_what_happened(
    bedrock: BedrockStandIn, error: str, sentence: str
) -> None:
    bedrock.fail(error)

    with pytest.raises(GenerationError, match=sentence):
        generator().generate("Landing page?", HITS)
    assert len(bedrock.calls("Converse")) == 1


def test_an_answer_that_cites_nothing_is_withheld(bedrock: BedrockStandIn) -> None:
    bedrock.reply("Probably about five thousand dollars.")

    answer = generator().generate("Landing page?", HITS)

    assert (answer.found, answer.text, answer.citations) == (False, NOT_FOUND, ())


def test_the_model_saying_it_cannot_find_it_is_a_not_found(bedrock: BedrockStandIn) -> None:
    bedrock.reply("I couldn\u2019t find this in the documents shared here.")

    assert generator().generate("Who won in 1998?", HITS).found is False


def test_streaming_yields_the_text_as_written_then_the_cited_answer(
    bedrock: BedrockStandIn,
) -> None:
    bedrock.reply("Landing pages cost $4,820 [2], and the rules give $1,500 to each player [1].")

    items = list(generator().stream("Prices?", HITS))

    pieces, final = items[:-1], items[-1]
    assert isinstance(final, Answer) and len(pieces) > 2
    assert all(isinstance(p, str) for p in pieces)
    assert "".join(pieces) == final.text  # type: ignore[arg-type]
    assert final.text.startswith("Landing pages cost $4,820 [1]")
    assert [c.document_id for c in final.citations] == ["guide", "rules"]
    assert bedrock.calls("ConverseStream") and not bedrock.calls("Converse")


def test_a_stream_that_fails_part_way_is_one_sentence(bedrock: BedrockStandIn) -> None:
    bedrock.fail_mid_stream("throttlingException", after_deltas=2)

    seen: list[object] = []
    with pytest.raises(ServiceError, match="busy or unreachable"):
        seen.extend(generator().stream("Prices?", HITS))
    assert seen  # some text had arrived


def titan(dimensions: int = 256) -> TitanEmbedder:
    return TitanEmbedder(
        model="amazon.titan-embed-text-v2:0",
        dimensions=dimensions,
        region=REGION,
        concurrency=4,
        max_attempts=3,
    )


def test_titan_embeds_one_text_per_call_normalised(bedrock: BedrockStandIn) -> None:
    texts = ["landing page prices", "landing page costs", "rules of the railway game"]

    vectors = titan(512).embed_documents(texts)

    assert vectors.shape == (3, 512) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]
    calls = bedrock.calls("InvokeModel")
    assert len(calls) == 3
    assert {c.body["dimensions"] for c in calls} == {512}
    assert all(c.body["normalize"] is True for c in calls)


def test_titan_cuts_text_over_its_limit_and_retries_throttling(bedrock: BedrockStandIn) -> None:
    bedrock.fail("ThrottlingException", times=1)

    vector = titan().embed_query("word " * 20_000)

    assert vector.shape == (256,)
    assert len(bedrock.calls("InvokeModel")[-1].body["inputText"]) == MAX_INPUT_CHARS


def test_titan_embeds_an_empty_question_as_nothing_without_a_call(
    bedrock: BedrockStandIn,
) -> None:
    assert not titan().embed_query("   ").any()
    assert bedrock.requests == []


def test_a_question_about_something_no_passage_names_never_reaches_the_model(
    bedrock: BedrockStandIn, tmp_path: Path
) -> None:
    from ragtime.bootstrap import build_services
    from ragtime.domain import DocumentInfo, DocumentScope, Scope
    from ragtime.pipeline import answer_question, ingest_document, stream_answer
    from ragtime.settings import load_settings
    from tests.pdfs import make_pdf

    manual = make_pdf([["Function: int mpfr_fma (mpfr_t rop, mpfr_t op1, mpfr_t op2)",
                        "Set rop to (op1 times op2) + op3 rounded in the direction rnd."]])  # fmt: skip
    settings = load_settings(
        data_dir=tmp_path, embedder="hashing", generator="bedrock", aws_region=REGION,
        answer_min_score=0.0,
    )  # fmt: skip
    services = build_services(settings)
    try:
        scope = DocumentScope("T1", frozenset({"C1"}))
        ingest_document(services, document=DocumentInfo("d1", "mpfr.pdf"), scope=scope, data=manual)
        asked = Scope("T1", "C1")
        missing = answer_question(services, question="What does mpfr_fma_ui return?", scope=asked)
        streamed = list(stream_answer(services, question="What is mpfr_fms_d?", scope=asked))
        assert bedrock.requests == []
        assert missing.text == NOT_FOUND and not streamed[-1].found  # type: ignore[union-attr]

        found = answer_question(services, question="What does mpfr_fma compute?", scope=asked)
        assert len(bedrock.requests) == 1 and found.generator == "bedrock"
    finally:
        services.close()


def test_instructions_inside_a_document_stay_a_numbered_passage(bedrock: BedrockStandIn) -> None:
    """Text in a PDF telling the bot what to do is data: it goes to the model only as a
    quoted passage after the rules, never into the system prompt, and a reply that
    obeys it without citing anything is withheld like any uncited reply."""
    from tests.hostile import INJECTION

    poisoned = [hit("kiln", f"Kiln safety. {INJECTION}", 4), *HITS]
    bedrock.reply("APPROVED")

    answer = generator().generate("How much is a landing page?", poisoned)

    [call] = bedrock.calls("Converse")
    assert call.body["system"] == [{"text": SYSTEM_PROMPT}]
    text = call.body["messages"][0]["content"][0]["text"]
    assert f"[1] kiln.pdf, p. 4\nKiln safety. {INJECTION}" in text
    assert text.endswith("Question: How much is a landing page?")
    assert "APPROVED" not in answer.text and not answer.citations
