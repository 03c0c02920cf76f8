"""`ragtime db ...` on the laptop default: a SQLite file under .ragtime/."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from ragtime.cli import main
from ragtime.db import make_engine, session_factory, session_scope
from ragtime.db.models import Question
from ragtime.db.questions import record_question


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    return tmp_path


def test_upgrade_creates_the_data_folder_and_the_schema(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["db", "current"]) == 1
    assert "has no schema yet; run `ragtime db upgrade`" in capsys.readouterr().out
    assert main(["db", "upgrade"]) == 0
    assert (workdir / ".ragtime" / "ragtime.db").is_file()
    assert main(["db", "current"]) == 0
    assert re.search(r"is at revision \d{4} \(head\)\.", capsys.readouterr().out)
    assert main(["db", "downgrade", "base"]) == 0
    assert main(["db", "current"]) == 1


def test_purge_without_a_retention_period_refuses_in_one_sentence(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["db", "upgrade"]) == 0
    assert main(["db", "purge"]) == 2
    assert capsys.readouterr().err.strip() == (
        "ragtime: No retention period: pass --days N or set RAGTIME_QUESTION_RETENTION_DAYS."
    )


def test_purge_empties_old_question_text_by_the_retention_setting(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["db", "upgrade"]) == 0
    engine = make_engine("sqlite:///.ragtime/ragtime.db")
    factory = session_factory(engine)
    with session_scope(factory) as session:
        for age in (100, 10):
            record_question(
                session, team_id="T1", conversation_id="C1", user_id="U1", text=f"{age} days",
                asked_via="dm", asked_at=datetime.now(UTC) - timedelta(days=age),
            )  # fmt: skip
    monkeypatch.setenv("RAGTIME_QUESTION_RETENTION_DAYS", "30")
    assert main(["db", "purge"]) == 0
    assert "Emptied the text of 1 questions" in capsys.readouterr().out
    assert main(["db", "purge", "--days", "5"]) == 0
    assert "Emptied the text of 1 questions" in capsys.readouterr().out
    with session_scope(factory) as session:
        texts = sorted(session.scalars(select(Question.text)))
    engine.dispose()
    assert texts == ["", ""]


def test_purge_refuses_a_database_without_the_schema(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["db", "purge", "--days", "30"]) == 2
    assert "run `ragtime db upgrade`" in capsys.readouterr().err
