"""The stores behind the replay check: each signature is claimed once, by any process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import fakeredis

from bot.replay import REMEMBER_SECONDS, RedisSeen, SqliteSeen


def test_redis_claims_once_and_forgets_after_bolts_window() -> None:
    client = fakeredis.FakeRedis()
    seen = RedisSeen(client)
    assert seen.claim("sig:a") and not seen.claim("sig:a") and seen.claim("sig:b")
    assert 0 < client.ttl("ragtime:seen:sig:a") <= REMEMBER_SECONDS


def test_the_laptop_file_is_shared_by_every_bot_process(tmp_path: Path) -> None:
    path = tmp_path / "seen-requests.db"
    assert SqliteSeen(path).claim("sig:a")
    other_process = (
        "import sys; from pathlib import Path; from bot.replay import SqliteSeen; "
        "print(SqliteSeen(Path(sys.argv[1])).claim('sig:a'), SqliteSeen(Path(sys.argv[1])).claim('sig:b'))"
    )
    done = subprocess.run(
        [sys.executable, "-c", other_process, str(path)],
        capture_output=True, text=True, check=True, cwd=Path(__file__).resolve().parents[2],
    )  # fmt: skip
    assert done.stdout.split() == ["False", "True"]


def test_the_laptop_file_forgets_what_bolt_would_refuse_anyway(tmp_path: Path) -> None:
    now = [1_000_000.0]
    seen = SqliteSeen(tmp_path / "seen.db", clock=lambda: now[0])
    for n in range(2000):
        seen.claim(f"sig:{n}")
    now[0] += REMEMBER_SECONDS + 1
    for n in range(2000, 3000):
        seen.claim(f"sig:{n}")
    import sqlite3

    left = sqlite3.connect(tmp_path / "seen.db").execute("SELECT count(*) FROM seen").fetchone()[0]
    assert left <= 1000
