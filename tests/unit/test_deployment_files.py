"""docker-compose.yml and the Procfile run commands that exist, with the settings they need."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ragtime.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]


def _runs(command: list[str]) -> None:
    assert command[0] == "ragtime"
    build_parser().parse_args(command[1:])  # exits (fails the test) on an unknown command


def test_compose_file_is_valid_and_wires_every_service() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"postgres", "redis", "migrate", "bot", "answers", "worker"} <= set(services)
    for name in ("migrate", "bot", "answers", "worker"):
        service = services[name]
        _runs(service["command"])
        environment = service["environment"]
        assert environment["DATABASE_URL"].startswith("postgresql+psycopg://")
        assert environment["REDIS_URL"].startswith("redis://redis:")
        assert "ragtime-data:/data" in service["volumes"]
    assert services["bot"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert set(compose["volumes"]) == {"postgres-data", "ragtime-data", "weaviate-data"}


def test_compose_runs_weaviate_the_way_the_adapter_needs_it() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    weaviate = compose["services"]["weaviate"]
    env = weaviate["environment"]
    assert env["DEFAULT_VECTORIZER_MODULE"] == "none" and not env["ENABLE_MODULES"]
    assert env["AUTHENTICATION_APIKEY_ENABLED"] == "true"
    assert "weaviate-data:/var/lib/weaviate" in weaviate["volumes"]
    assert env["PERSISTENCE_DATA_PATH"] == "/var/lib/weaviate"
    ragtime = compose["services"]["worker"]["environment"]
    assert ragtime["RAGTIME_VECTOR_STORE"] == "weaviate"
    assert ragtime["RAGTIME_WEAVIATE_URL"] == "http://weaviate:8080"
    assert ragtime["RAGTIME_WEAVIATE_GRPC_URL"] == "weaviate:50051"
    # The API key reaches ragtime and Weaviate from the same variable, never written here.
    assert ragtime["RAGTIME_WEAVIATE_API_KEY"].startswith("${WEAVIATE_API_KEY:?")
    # The migration waits for Weaviate; the bot and workers wait for the migration.
    assert (
        compose["services"]["migrate"]["depends_on"]["weaviate"]["condition"] == "service_healthy"
    )


def test_every_setting_in_compose_is_one_the_code_reads_and_loads() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    from tests.unit.test_env_example import setting_of

    for name in ("bot", "answers", "worker", "migrate"):
        environment = compose["services"][name]["environment"]
        values = {}
        for key, value in environment.items():
            if key.startswith("AWS_") and key != "AWS_REGION":
                continue  # botocore's own (credentials), not ragtime's
            values[setting_of(key)] = (
                str(value).split(":-", 1)[-1].rstrip("}") if "${" in str(value) else value
            )
        assert values["vector_store"] == "weaviate" and values["log_format"] == "json"


def test_the_bot_and_both_workers_have_health_checks_and_time_to_stop() -> None:
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    for name in ("bot", "answers", "worker", "postgres", "redis", "weaviate"):
        assert services[name]["healthcheck"]["test"], name
    assert "3000/healthz" in " ".join(services["bot"]["healthcheck"]["test"])
    assert "9100/healthz" in " ".join(services["worker"]["healthcheck"]["test"])
    assert all(services[n]["stop_grace_period"] for n in ("bot", "answers", "worker"))


def test_procfile_runs_known_commands() -> None:
    lines = (ROOT / "Procfile").read_text().splitlines()
    processes = dict(line.split(": ", 1) for line in lines if line.strip())
    assert set(processes) == {"release", "web", "answers", "worker"}
    for command in processes.values():
        _runs(command.split())


def test_the_bot_without_credentials_says_what_to_set(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RAGTIME_DATA_DIR", str(tmp_path))
    from ragtime.cli import main

    assert main(["bot"]) == 2
    assert capsys.readouterr().err.strip() == (
        "ragtime: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET to run the bot; "
        "`ragtime demo` runs it offline against a local Slack stand-in."
    )


def test_the_grafana_dashboard_charts_only_metrics_the_code_exports() -> None:
    import json
    import re

    from ragtime.metrics import metrics

    dashboard = json.loads((ROOT / "deploy" / "grafana-dashboard.json").read_text())
    used = {
        name
        for panel in dashboard["panels"]
        for target in panel["targets"]
        for name in re.findall(r"ragtime_[a-z_]+", target["expr"])
    }
    exported = {"ragtime_queue_depth"}
    for metric in vars(metrics()).values():
        exported |= {metric._name, f"{metric._name}_total", f"{metric._name}_bucket"}
    assert used and used <= exported, used - exported
