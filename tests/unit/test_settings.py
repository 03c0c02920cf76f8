import pytest

from ragtime.settings import SettingsError, load_settings


def test_defaults_need_no_servers_and_no_credentials() -> None:
    settings = load_settings()
    assert settings.vector_store == "embedded"
    assert settings.resolved_database_url.startswith("sqlite:///")
    assert settings.slack_bot_token is None


def test_an_unknown_setting_fails_with_a_sentence_naming_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RAGTIME_CHUNK_TOKEN", "100")
    with pytest.raises(
        SettingsError,
        match=r"^Unknown setting RAGTIME_CHUNK_TOKEN; did you mean RAGTIME_CHUNK_TOKENS\?$",
    ):
        load_settings()


def test_a_contradiction_fails_naming_both_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAGTIME_VECTOR_STORE", "weaviate")
    with pytest.raises(
        SettingsError, match="RAGTIME_VECTOR_STORE=weaviate needs RAGTIME_WEAVIATE_URL"
    ):
        load_settings()
    with pytest.raises(SettingsError, match="CHUNK_OVERLAP must be smaller"):
        load_settings(vector_store="embedded", chunk_tokens=64, chunk_overlap=64)


def test_a_malformed_value_is_named_but_not_echoed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAGTIME_SEARCH_K", "many-secret-things")
    with pytest.raises(SettingsError, match="RAGTIME_SEARCH_K") as caught:
        load_settings()
    assert "many-secret-things" not in str(caught.value)


def test_secrets_are_read_under_slack_names_and_never_printed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-very-secret")
    settings = load_settings()
    assert settings.slack_bot_token is not None
    assert settings.slack_bot_token.get_secret_value() == "xoxb-very-secret"
    assert "xoxb-very-secret" not in repr(settings)
