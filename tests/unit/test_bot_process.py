"""The bot process stays light: it never imports torch, sentence-transformers or weaviate."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

HEAVY = ("torch", "sentence_transformers", "transformers", "weaviate", "onnxruntime")

PROBE = """
import json, sys
from ragtime.settings import load_settings
from bot.http import create_wsgi_app
from bot.deps import build_bot_deps
settings = load_settings()
app = create_wsgi_app(settings, build_bot_deps(settings))
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in {HEAVY!r} or m in {HEAVY!r})))
"""


def test_building_the_whole_bot_imports_nothing_heavy(tmp_path: Path) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("RAGTIME_")},
        "RAGTIME_DATA_DIR": str(tmp_path),
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": "secret",
    }
    env.pop("REDIS_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(HEAVY=set(HEAVY))],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
