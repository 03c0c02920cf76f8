"""Dependencies point one way: the edges use the core and the shared packages, never each other.

bot/ and worker/ import ragtime/, slackkit/ (talking to Slack) and taskqueue/ (the
queue's contract); ragtime/ imports none of them; slackkit/ and taskqueue/ import only
ragtime/. Checked on the source, so a lazy import inside a function counts too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ALLOWED = {
    "ragtime": {"ragtime"},
    "slackkit": {"ragtime", "slackkit"},
    "taskqueue": {"ragtime", "taskqueue"},
    "bot": {"ragtime", "slackkit", "taskqueue", "bot"},
    "worker": {"ragtime", "slackkit", "taskqueue", "worker"},
}
OURS = set(ALLOWED)


def imported_packages(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found & OURS


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_each_package_imports_only_what_it_may(package: str) -> None:
    wrong = {
        str(path.relative_to(ROOT)): sorted(imported_packages(path) - ALLOWED[package])
        for path in (ROOT / package).rglob("*.py")
        if package != "bot" or "standin" not in path.parts  # the stand-in plays Slack
    }
    assert {path: names for path, names in wrong.items() if names} == {}
