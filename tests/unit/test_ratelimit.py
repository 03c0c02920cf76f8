import fakeredis
import pytest

from bot.ratelimit import Counter, MemoryCounter, QuestionLimiter, RedisCounter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["memory", "redis"])
def counter(request: pytest.FixtureRequest) -> Counter:
    if request.param == "memory":
        return MemoryCounter()
    return RedisCounter(fakeredis.FakeRedis())


def test_a_user_over_the_limit_is_told_when_to_try_again(counter: Counter) -> None:
    limiter = QuestionLimiter(counter, per_user=3, per_workspace=100)
    assert [limiter.check(team_id="T", user_id="alice") for _ in range(3)] == [None] * 3

    limited = limiter.check(team_id="T", user_id="alice")
    assert limited is not None and not limited.whole_workspace
    assert 0 < limited.retry_after_seconds <= 3600
    assert "try again in" in limited.sentence and limited.sentence.endswith("minutes.")
    # Someone else in the workspace is not affected.
    assert limiter.check(team_id="T", user_id="bob") is None


def test_the_workspace_limit_covers_everyone(counter: Counter) -> None:
    limiter = QuestionLimiter(counter, per_user=100, per_workspace=2)
    assert limiter.check(team_id="T", user_id="a") is None
    assert limiter.check(team_id="T", user_id="b") is None
    limited = limiter.check(team_id="T", user_id="c")
    assert limited is not None and limited.whole_workspace
    assert limited.sentence.startswith("This workspace has asked a lot of questions")
    assert limiter.check(team_id="OTHER", user_id="c") is None


def test_the_window_resets_after_an_hour() -> None:
    clock = Clock()
    limiter = QuestionLimiter(MemoryCounter(clock), per_user=1, per_workspace=100)
    assert limiter.check(team_id="T", user_id="a") is None
    assert limiter.check(team_id="T", user_id="a") is not None
    clock.now += 3601
    assert limiter.check(team_id="T", user_id="a") is None


def test_redis_counts_are_shared_between_bot_processes() -> None:
    server = fakeredis.FakeServer()
    first = QuestionLimiter(
        RedisCounter(fakeredis.FakeRedis(server=server)), per_user=2, per_workspace=9
    )
    second = QuestionLimiter(
        RedisCounter(fakeredis.FakeRedis(server=server)), per_user=2, per_workspace=9
    )
    assert first.check(team_id="T", user_id="a") is None
    assert second.check(team_id="T", user_id="a") is None
    assert first.check(team_id="T", user_id="a") is not None
