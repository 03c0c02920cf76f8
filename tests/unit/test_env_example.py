""".env.example names every setting ragtime reads, each once, and nothing else."""

from __future__ import annotations

from pathlib import Path

from ragtime.settings import PREFIX, Settings

ROOT = Path(__file__).resolve().parents[2]


def names_in_example() -> list[str]:
    lines = (ROOT / ".env.example").read_text().splitlines()
    return [line.split("=", 1)[0] for line in lines if line.strip() and not line.startswith("#")]


def setting_of(name: str) -> str:
    """The Settings field a variable sets, by its RAGTIME_ name or its well-known alias."""
    for field, info in Settings.model_fields.items():
        aliases = getattr(info.validation_alias, "choices", [])
        if name == f"{PREFIX}{field.upper()}" or name in aliases:
            return field
    raise AssertionError(f"{name} in .env.example is no setting")


def test_every_setting_is_in_the_example_once_and_nothing_else() -> None:
    named = names_in_example()
    fields = [setting_of(name) for name in named]
    assert len(fields) == len(set(fields)), "a setting is listed twice"
    assert set(fields) == set(Settings.model_fields)


def test_the_examples_values_are_the_defaults_or_left_empty() -> None:
    for line in (ROOT / ".env.example").read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, value = line.split("=", 1)
        default = Settings.model_fields[setting_of(name)].default
        if value:
            assert str(default) == value or float(str(default)) == float(value), name
