"""Block Kit builders: what people see in Slack, within Slack's limits."""

from __future__ import annotations

import json
from typing import Any

from ragtime.domain import Citation
from slackkit.blocks import (
    CUT_NOTE,
    MAX_BLOCKS,
    MAX_SECTION_CHARS,
    answer_blocks,
    answer_fallback_text,
    not_found_blocks,
    parse_feedback_value,
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
        elif block["type"] == "markdown":
            found.append(block["text"])
        elif block["type"] == "context":
            found.extend(element["text"] for element in block["elements"])
    return found


def buttons(blocks: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The legacy 👍/👎 buttons (answers posted before the native feedback control)."""
    [actions] = [b for b in blocks if b["type"] == "actions"]
    assert actions["block_id"] == "feedback"
    return {button["action_id"]: button for button in actions["elements"]}


def feedback(blocks: list[dict[str, Any]]) -> dict[str, Any]:
    [control] = [b for b in blocks if b["type"] == "context_actions"]
    assert control["block_id"] == "feedback"
    [element] = control["elements"]
    assert element["type"] == "feedback_buttons"
    return dict(element)


def legacy_answer(answer_id: str) -> list[dict[str, Any]]:
    button = {"type": "button", "text": {"type": "plain_text", "text": "👍 0", "emoji": True}}
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": "x"}},
        {
            "type": "actions",
            "block_id": "feedback",
            "elements": [
                button | {"action_id": "vote_up", "value": answer_id},
                button
                | {"action_id": "vote_down", "value": answer_id}
                | {"text": {"type": "plain_text", "text": "👎 0", "emoji": True}},
            ],
        },
    ]


def test_the_placeholder_says_what_is_happening_and_echoes_the_question() -> None:
    blocks = placeholder_blocks("How long is onboarding?")
    assert texts(blocks) == [
        "> How long is onboarding?",
        "_Looking through the documents shared here…_",
    ]
    assert texts(placeholder_blocks()) == ["_Looking through the documents shared here…_"]


def test_an_answer_has_its_text_a_line_per_citation_and_the_native_feedback_control() -> None:
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
    control = feedback(blocks)
    assert control["action_id"] == "answer_feedback"
    assert control["positive_button"]["value"] == "up:a1"
    assert control["negative_button"]["value"] == "down:a1"
    assert parse_feedback_value("down:a1") == ("down", "a1")
    assert parse_feedback_value("sideways:a1") is None and parse_feedback_value("up:") is None


def test_document_text_cannot_ping_the_channel() -> None:
    blocks = answer_blocks(
        answer_text="Hello <!channel> & <@U1> in <#C1> **bold**", citations=[], answer_id="a1"
    )
    text = texts(blocks)[0]
    assert "<!channel>" not in text and "<@U1>" not in text and "<#C1>" not in text
    assert text.replace("\u200b", "") == "Hello <!channel> & <@U1> in <#C1> **bold**"
    assert answer_fallback_text("memo <!channel> & more") == "memo &lt;!channel&gt; &amp; more"


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
    assert blocks[-1]["type"] == "context_actions"
    assert all(
        len(text) <= MAX_SECTION_CHARS
        for b, text in zip(blocks, texts(blocks), strict=False)
        if b["type"] != "markdown"
    )
    assert len(json.dumps(blocks, ensure_ascii=False)) < 13_000


def test_a_20000_character_answer_is_cut_to_fit_and_keeps_its_citations() -> None:
    paragraph = "The deposit is refundable within thirty days of signing & no later. " * 30
    text = "\n\n".join(paragraph for _ in range(10))  # ~20,000 characters
    blocks = answer_blocks(answer_text=text, citations=[GUIDE, NOTES], answer_id="a1")

    [body] = [b for b in blocks if b["type"] == "markdown"]
    assert len(body["text"]) <= 12_000 and body["text"].endswith(CUT_NOTE)
    assert texts(blocks)[-2:] == [
        "[1] <https://acme.slack.com/files/U1/F1/guide.pdf|Guide.pdf>, p. 3",
        "[2] Notes &amp; &lt;drafts&gt;.pdf, pp. 4-6",
    ]
    assert len(json.dumps(blocks, ensure_ascii=False)) < 13_000
    assert feedback(blocks)["positive_button"]["value"] == "up:a1"


def test_a_vote_on_an_old_answer_redraws_its_counts_without_touching_the_original() -> None:
    blocks = legacy_answer("a1")
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
