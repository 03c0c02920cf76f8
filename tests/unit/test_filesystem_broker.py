"""The laptop's broker keeps a task until it is acknowledged, across processes.

kombu's own filesystem transport deletes a message when it is taken; a worker killed
before finishing the task lost it. These drive the transport through kombu, the way
Celery does (consume without auto-ack, ack after the task), with real processes.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from kombu import Connection, Queue

from taskqueue import fstransport

REPO = Path(__file__).resolve().parents[2]


def _options(folder: Path) -> dict[str, object]:
    for name in ("queue", "processed", "control"):
        (folder / name).mkdir(parents=True, exist_ok=True)
    return {
        "data_folder_in": str(folder / "queue"),
        "data_folder_out": str(folder / "queue"),
        "processed_folder": str(folder / "processed"),
        "control_folder": str(folder / "control"),
    }


def _connection(folder: Path) -> Connection:
    return Connection(
        "filesystem://localhost//",
        transport="taskqueue.fstransport:Transport",
        transport_options=_options(folder),
    )


def _publish(folder: Path, body: str, queue: str = "ingest") -> None:
    with _connection(folder) as connection:
        connection.SimpleQueue(Queue(queue, routing_key=queue)).put(body)


def _take_and_die(folder: Path) -> str:
    """Take one message in another process, which then dies without acknowledging it."""
    code = (
        "import os, sys; from kombu import Connection, Queue; "
        "from tests.unit.test_filesystem_broker import _connection; from pathlib import Path; "
        "c = _connection(Path(sys.argv[1])); "
        "m = c.SimpleQueue(Queue('ingest', routing_key='ingest'), no_ack=False).get(timeout=5); "
        "print(m.payload, flush=True); os._exit(9)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(folder)],
        check=False,
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 9, done.stderr
    return done.stdout.strip()


def test_a_message_stays_taken_until_acknowledged_then_is_gone(tmp_path: Path) -> None:
    _publish(tmp_path, "d1")
    with _connection(tmp_path) as connection:
        queue = connection.SimpleQueue(Queue("ingest", routing_key="ingest"), no_ack=False)
        message = queue.get(timeout=2)
        assert message.payload == "d1"
        [taken] = os.listdir(tmp_path / "processed")
        assert taken.startswith(f"{os.getpid()}-")
        assert not list((tmp_path / "queue").glob("*.msg"))  # nobody else can take it

        message.ack()

        assert os.listdir(tmp_path / "processed") == []
        with pytest.raises(queue.Empty):
            queue.get(timeout=0.2)


def test_a_message_taken_by_a_process_that_died_comes_back_once(tmp_path: Path) -> None:
    _publish(tmp_path, "d1")
    _publish(tmp_path, "d2")

    assert _take_and_die(tmp_path) == "d1"
    assert len(os.listdir(tmp_path / "processed")) == 1  # left behind by the dead taker

    with _connection(tmp_path) as connection:
        queue = connection.SimpleQueue(Queue("ingest", routing_key="ingest"), no_ack=False)
        first, second = queue.get(timeout=2), queue.get(timeout=2)
        assert [first.payload, second.payload] == ["d1", "d2"]  # the oldest still first
        first.ack()
        second.ack()
        with pytest.raises(queue.Empty):
            queue.get(timeout=0.2)
    assert os.listdir(tmp_path / "processed") == []


def test_a_live_takers_message_is_left_alone(tmp_path: Path) -> None:
    _publish(tmp_path, "d1")
    with _connection(tmp_path) as mine, _connection(tmp_path) as other:
        message = mine.SimpleQueue(Queue("ingest", routing_key="ingest"), no_ack=False).get(
            timeout=2
        )
        assert fstransport.recover_orphans(tmp_path / "queue", tmp_path / "processed") == []
        theirs = other.SimpleQueue(Queue("ingest", routing_key="ingest"), no_ack=False)
        with pytest.raises(theirs.Empty):
            theirs.get(timeout=0.2)
        message.ack()


def test_a_rejected_message_is_put_back_and_an_unacknowledging_consumer_leaves_nothing(
    tmp_path: Path,
) -> None:
    _publish(tmp_path, "d1")
    with _connection(tmp_path) as connection:
        queue = connection.SimpleQueue(Queue("ingest", routing_key="ingest"), no_ack=False)
        queue.get(timeout=2).requeue()
        assert os.listdir(tmp_path / "processed") == []
        auto = connection.SimpleQueue(Queue("ingest", routing_key="ingest"), no_ack=True)
        assert auto.get(timeout=2).payload == "d1"
    assert os.listdir(tmp_path / "processed") == []
    assert not list((tmp_path / "queue").glob("*.msg"))


def test_a_reused_pid_is_not_mistaken_for_the_dead_taker() -> None:
    me = fstransport.owner_token()
    assert fstransport.owner_alive(me)
    pid = me.partition("-")[0]
    assert not fstransport.owner_alive(f"{pid}-1")  # same pid, another start time
    assert not fstransport.owner_alive("not-a-pid")
