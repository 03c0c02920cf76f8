import os

import fakeredis
import pytest
import redis

from bot.ratelimit import Counter, MemoryCounter, QuestionLimiter, RedisCounter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["memory", "redis6", "redis7", "real-redis"])
def counter(request: pytest.FixtureRequest) -> Counter:
    """In memory; on Redis 6 and 7 as fakeredis speaks them; on the machine's Redis."""
    if request.param == "memory":
        return MemoryCounter()
    if request.param == "real-redis":
        url = os.environ.get("RAGTIME_TEST_REDIS_URL", "redis://127.0.0.1:6379/5")
        client = redis.Redis.from_url(url, socket_connect_timeout=1)
        try:
            client.delete(*client.keys("ragtime:rate:*") or ["ragtime:rate:none"])
        except redis.RedisError as exc:
            pytest.skip(f"Redis is not reachable at {url} ({type(exc).__name__})")
        return RedisCounter(client)
    return RedisCounter(fakeredis.FakeRedis(version=int(request.param[-1])))


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


def test_a_window_starts_at_its_first_hit_on_every_redis(counter: Counter) -> None:
    first = counter.hit("user:T:clock", 120)
    again = counter.hit("user:T:clock", 120)
    assert first[0] == 1 and again[0] == 2
    assert 0 < again[1] <= first[1] <= 120  # the second hit did not restart the clock
    if isinstance(counter, RedisCounter):
        assert counter._redis.ttl("ragtime:rate:user:T:clock") > 0  # it will expire
