"""The queue edge: which errors are retried, how tasks are sent, how Celery is configured."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.error import HTTPError, URLError

import pytest
from celery import Celery
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from ragtime.pdf import PdfError
from ragtime.settings import load_settings
from taskqueue import names
from taskqueue.broker import VISIBILITY_TIMEOUT_SECONDS, configure_celery
from taskqueue.enqueue import Enqueuer
from taskqueue.limits import TIME_LIMITS
from worker.errors import TransientError, transient_error
from worker.main import worker_argv
from worker.tasks import retry_boundary

REPO = Path(__file__).resolve().parents[2]


def slack_error(status: int, error: str, headers: dict[str, str] | None = None) -> SlackApiError:
    response = SlackResponse(
        client=None,
        http_verb="POST",
        api_url="https://slack.com/api/chat.update",
        req_args={},
        data={"ok": False, "error": error},
        headers=headers or {},
        status_code=status,
    )
    return SlackApiError(f"The request failed: {error}", response)


def test_a_rate_limit_is_transient_and_carries_retry_after() -> None:
    transient = transient_error(slack_error(429, "ratelimited", {"Retry-After": "7"}))
    assert transient is not None and transient.countdown == 7.0


@pytest.mark.parametrize(
    "exc",
    [
        slack_error(500, "fatal_error"),
        slack_error(503, "service_unavailable"),
        URLError("connection refused"),
        ConnectionResetError(),
        TimeoutError(),
        HTTPError("https://files.slack.com/x", 502, "Bad Gateway", {}, None),  # type: ignore[arg-type]
    ],
)
def test_server_and_network_failures_are_transient(exc: Exception) -> None:
    transient = transient_error(exc)
    assert transient is not None and transient.countdown is None


@pytest.mark.parametrize(
    "exc",
    [
        slack_error(400, "invalid_arguments"),
        slack_error(200, "invalid_auth"),
        slack_error(200, "channel_not_found"),
        HTTPError("https://files.slack.com/x", 404, "Not Found", {}, None),  # type: ignore[arg-type]
        PdfError("corrupt", "This PDF looks damaged."),
        ValueError("a bug"),
    ],
)
def test_bad_input_and_bugs_are_never_retried(exc: Exception) -> None:
    assert transient_error(exc) is None


class RecordingTask:
    """Stands in for a bound Celery task at the retry boundary."""

    name = "ragtime.test"

    class request:  # noqa: N801 - mirrors Celery's attribute
        retries = 0

    def __init__(self) -> None:
        self.retried: list[dict[str, Any]] = []

    def retry(self, **kwargs: Any) -> Exception:
        self.retried.append(kwargs)
        return RuntimeError("retry scheduled")


def test_the_boundary_waits_exactly_as_long_as_slack_asked() -> None:
    task = RecordingTask()
    with pytest.raises(RuntimeError, match="retry scheduled"), retry_boundary(task):
        raise slack_error(429, "ratelimited", {"retry-after": "30"})
    assert task.retried[0]["countdown"] == 30.0


def test_the_boundary_leaves_backoff_to_celery_and_bad_input_alone() -> None:
    task = RecordingTask()
    with pytest.raises(TransientError), retry_boundary(task):
        raise slack_error(502, "bad_gateway")
    with pytest.raises(SlackApiError), retry_boundary(task):
        raise slack_error(200, "not_in_channel")
    assert task.retried == []


def test_every_task_retries_only_transient_errors_within_its_time_limits() -> None:
    from taskqueue.broker import app

    configure_celery(app, load_settings(broker_url="memory://"))
    app.loader.import_default_modules()
    for name, queue in names.QUEUE_OF.items():
        task = app.tasks[name]
        assert task.autoretry_for == (TransientError,) and task.max_retries == 5
        assert task.retry_backoff and task.retry_jitter and task.acks_late
        assert task.time_limit == TIME_LIMITS[queue].hard < VISIBILITY_TIMEOUT_SECONDS


def test_the_enqueuer_sends_each_task_to_its_queue_with_an_expiry() -> None:
    sent: list[tuple[str, dict[str, Any]]] = []
    enqueuer = Enqueuer(
        lambda name, **options: sent.append((name, options)),
        answer_expiry_seconds=120,
        ingest_expiry_seconds=21600,
        maintenance_expiry_seconds=3600,
    )
    enqueuer.answer("q1")
    enqueuer.ingest("d1")
    enqueuer.forget("d1")
    enqueuer.sync_scope("d1")
    enqueuer.reindex("T1", "U1", "all", "C1", "1.2")
    assert sent == [
        ("ragtime.answer_question", {"kwargs": {"question_id": "q1"}, "queue": "answer", "expires": 120}),
        ("ragtime.ingest_document", {"kwargs": {"document_id": "d1"}, "queue": "ingest", "expires": 21600}),
        # Removals wait up to a week: the database already says the document left.
        ("ragtime.forget_document", {"kwargs": {"document_id": "d1"}, "queue": "maintenance", "expires": 604800}),
        ("ragtime.sync_document_scope", {"kwargs": {"document_id": "d1"}, "queue": "maintenance", "expires": 604800}),
        ("ragtime.reindex", {"kwargs": {"team_id": "T1", "user_id": "U1", "target": "all", "channel_id": "C1", "message_ts": "1.2"}, "queue": "maintenance", "expires": 3600}),
    ]  # fmt: skip


def test_an_enqueued_task_lands_whole_in_the_queue_folder(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path, answer_expiry_seconds=90)
    enqueuer = Enqueuer.from_settings(settings, Celery("enqueue-test"))

    enqueuer.answer("q1")

    [message] = (tmp_path / "broker" / "queue").glob("*.answer.msg")
    headers = json.loads(message.read_text())["headers"]
    assert headers["task"] == "ragtime.answer_question" and headers["expires"]
    assert headers["kwargsrepr"] == "{'question_id': 'q1'}"
    assert not list((tmp_path / "broker" / "queue").glob(".*"))  # no half-written files left


def test_the_filesystem_broker_polls_fast_and_redis_outlasts_the_time_limits(
    tmp_path: Path,
) -> None:
    local = configure_celery(Celery("a"), load_settings(data_dir=tmp_path)).conf
    options = local.broker_transport_options
    assert options["polling_interval"] == 0.05
    assert Path(options["data_folder_in"]).is_dir() and Path(options["processed_folder"]).is_dir()
    assert local.worker_enable_remote_control is False
    assert local.task_acks_late and local.task_reject_on_worker_lost
    assert local.worker_prefetch_multiplier == 1 and local.task_ignore_result

    redis = configure_celery(Celery("b"), load_settings(redis_url="redis://127.0.0.1:6379/5")).conf
    assert redis.broker_url == "redis://127.0.0.1:6379/5"
    assert redis.broker_transport_options == {
        "visibility_timeout": 3600,
        "unacked_restore_throttle": 1,
    }
    assert redis.task_annotations == {}  # the limits already fit


def test_a_shorter_visibility_timeout_shortens_the_time_limits_under_it() -> None:
    settings = load_settings(
        redis_url="redis://127.0.0.1:6379/5", broker_visibility_timeout_seconds=60
    )
    conf = configure_celery(Celery("c"), settings).conf
    assert conf.broker_transport_options["visibility_timeout"] == 60
    assert set(conf.task_annotations) == set(names.QUEUE_OF)
    for limits in conf.task_annotations.values():
        assert limits["time_limit"] == 54 and limits["soft_time_limit"] < 54
    assert max(limits.hard for limits in TIME_LIMITS.values()) < 3600


def test_a_filesystem_worker_skips_what_needs_a_broadcast(tmp_path: Path) -> None:
    argv = worker_argv(load_settings(data_dir=tmp_path), ["answer"], 2, "threads", "INFO")
    assert {"--without-mingle", "--without-gossip", "--without-heartbeat"} <= set(argv)
    assert "--queues=answer" in argv and "--pool=threads" in argv


def test_the_bot_can_enqueue_without_loading_tasks_or_models(tmp_path: Path) -> None:
    check = (
        "import sys; from taskqueue.enqueue import Enqueuer; from ragtime.settings import load_settings; "
        f"Enqueuer.from_settings(load_settings(data_dir={str(tmp_path)!r})).answer('q1'); "
        "loaded = {'torch', 'sentence_transformers', 'worker.tasks', 'onnxruntime', 'ragtime.embedding.onnx_minilm'}"
        " & set(sys.modules); assert not loaded, loaded"
    )
    subprocess.run([sys.executable, "-c", check], cwd=REPO, check=True)
    assert len(list((tmp_path / "broker" / "queue").glob("*.answer.msg"))) == 1


def test_a_response_url_travels_in_the_task_but_never_in_its_readable_copy() -> None:
    sent: list[tuple[str, dict[str, Any]]] = []
    enqueuer = Enqueuer(
        lambda name, **options: sent.append((name, options)),
        answer_expiry_seconds=120, ingest_expiry_seconds=60, maintenance_expiry_seconds=60,
    )  # fmt: skip

    enqueuer.answer("q1", reply_url="https://hooks.slack.com/commands/T1/1/secret")

    [(_, options)] = sent
    assert options["kwargs"]["reply_url"].endswith("/secret")
    assert "secret" not in options["kwargsrepr"]


def test_the_maintenance_worker_sends_the_periodic_reconcile(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path, reconcile_interval_seconds=900)
    conf = configure_celery(Celery("d"), settings).conf
    assert conf.beat_schedule["reconcile"]["task"] == names.RECONCILE == "ragtime.reconcile"
    assert conf.beat_schedule["reconcile"]["schedule"] == 900.0
    assert names.QUEUE_OF[names.RECONCILE] == names.MAINTENANCE_QUEUE

    argv = worker_argv(settings, ["ingest", "maintenance"], 1, "prefork", "INFO")
    assert "--beat" in argv and f"--schedule={tmp_path / 'beat-schedule'}" in argv
    assert "--beat" not in worker_argv(settings, ["answer"], 1, "prefork", "INFO")
    assert conf.beat_schedule["sweep-questions"]["task"] == names.SWEEP_QUESTIONS
    assert conf.beat_schedule["sweep-questions"]["schedule"] == 60.0
    off = load_settings(data_dir=tmp_path, reconcile_interval_seconds=0)
    assert set(configure_celery(Celery("e"), off).conf.beat_schedule) == {"sweep-questions"}
