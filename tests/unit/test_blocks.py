"""Block Kit builders: what people see in Slack, within Slack's limits."""

from __future__ import annotations

from typing import Any

from ragtime.domain import Citation
from slackkit.blocks import (
    MAX_BLOCKS,
    MAX_SECTION_CHARS,
    answer_blocks,
    answer_fallback_text,
    not_found_blocks,
    placeholder_blocks,
    with_tally,
)

GUIDE = Citation(1, "d1", "Guide.pdf", 3, 3, "https://acme.slack.com/files/U1/F1/guide.pdf")
NOTES = Citation(2, "d2", "Notes & <drafts>.pdf", 4, 6)


def texts(blocks: list[dict[str, Any]]) -> list[str]:
    found = []
    for block in blocks:
        if block["type"] == "section":
            found.append(block["text"]["text"])
        elif block["type"] == "context":
            found.extend(element["text"] for element in block["elements"])
    return found


def buttons(blocks: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    [actions] = [b for b in blocks if b["type"] == "actions"]
    assert actions["block_id"] == "feedback"
    return {button["action_id"]: button for button in actions["elements"]}


def test_the_placeholder_says_what_is_happening_and_echoes_the_question() -> None:
    blocks = placeholder_blocks("How long is onboarding?")
    assert texts(blocks) == [
        "> How long is onboarding?",
        "_Looking through the documents shared here…_",
    ]
    assert texts(placeholder_blocks()) == ["_Looking through the documents shared here…_"]


def test_an_answer_has_its_text_a_line_per_citation_and_vote_buttons() -> None:
    blocks = answer_blocks(
        answer_text="Onboarding takes a week [1]. Drafts are kept [2].",
        citations=[GUIDE, NOTES],
        answer_id="a1",
    )
    assert texts(blocks) == [
        "Onboarding takes a week [1]. Drafts are kept [2].",
        "[1] <https://acme.slack.com/files/U1/F1/guide.pdf|Guide.pdf>, p. 3",
        "[2] Notes &amp; &lt;drafts&gt;.pdf, pp. 4-6",
    ]
    votes = buttons(blocks)
    assert votes["vote_up"]["value"] == votes["vote_down"]["value"] == "a1"
    assert (votes["vote_up"]["text"]["text"], votes["vote_down"]["text"]["text"]) == (
        "👍 0",
        "👎 0",
    )


def test_document_text_cannot_ping_the_channel() -> None:
    blocks = answer_blocks(answer_text="Hello <!channel> & <@U1>", citations=[], answer_id="a1")
    assert texts(blocks)[0] == "Hello &lt;!channel&gt; &amp; &lt;@U1&gt;"


def test_a_link_that_would_break_the_syntax_is_left_out() -> None:
    odd = Citation(1, "d1", "Guide.pdf", 1, 1, "https://x.example/a|b>c")
    assert texts(answer_blocks(answer_text="x", citations=[odd], answer_id="a1"))[1] == (
        "[1] Guide.pdf, p. 1"
    )


def test_long_answers_and_many_citations_stay_within_slacks_limits() -> None:
    many = [Citation(n, f"d{n}", f"doc {n}", 1, 1) for n in range(1, 80)]
    blocks = answer_blocks(
        answer_text="word & " * 1000, citations=many, answer_id="a1", question="q" * 5000
    )
    assert len(blocks) <= MAX_BLOCKS
    assert blocks[-1]["type"] == "actions"
    assert all(len(text) <= MAX_SECTION_CHARS for text in texts(blocks))
    section = blocks[1]["text"]["text"]
    assert section.endswith("…") and not section.removesuffix("…").endswith(("&", "&a", "&am"))


def test_a_vote_redraws_the_counts_without_touching_the_original() -> None:
    blocks = answer_blocks(answer_text="x", citations=[GUIDE], answer_id="a1")
    redrawn = with_tally(blocks, up=3, down=1)
    votes = buttons(redrawn)
    assert (votes["vote_up"]["text"]["text"], votes["vote_down"]["text"]["text"]) == (
        "👍 3",
        "👎 1",
    )
    assert buttons(blocks)["vote_up"]["text"]["text"] == "👍 0"
    assert redrawn[:-1] == blocks[:-1]


def test_not_found_has_no_buttons() -> None:
    blocks = not_found_blocks("I couldn't find this in the documents shared here.")
    assert [b["type"] for b in blocks] == ["section"]


def test_the_fallback_text_names_the_sources() -> None:
    text = answer_fallback_text("It takes a week [1].", [GUIDE])
    assert text == "It takes a week [1].\nSources: [1] Guide.pdf, p. 3"
    assert len(answer_fallback_text("x" * 10_000)) <= 3000
