"""The app factory and configuration."""

import pytest

from app import create_app
from app.config import ConfigError, load_config


def test_production_without_secret_key_refuses_to_start(monkeypatch, tmp_path):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY is not set"):
        load_config(tmp_path)


def test_production_with_secret_key_and_address_starts(monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 64)
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://support.example.org/")
    app = create_app()
    assert app.config["SECRET_KEY"] == "x" * 64
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["PUBLIC_BASE_URL"] == "https://support.example.org"


def test_production_without_its_public_address_refuses_to_start(tmp_path):
    with pytest.raises(ConfigError, match="PUBLIC_BASE_URL is not set"):
        load_config(tmp_path, environ={"APP_ENV": "production", "SECRET_KEY": "x" * 64})


@pytest.mark.parametrize("given", ["support.example.org", "ftp://x.example", "https://"])
def test_a_public_address_that_is_not_a_web_address_is_refused(tmp_path, given):
    with pytest.raises(ConfigError, match="PUBLIC_BASE_URL must be"):
        load_config(tmp_path, environ={"PUBLIC_BASE_URL": given})


def test_development_links_use_the_local_address(tmp_path):
    assert load_config(tmp_path, environ={})["PUBLIC_BASE_URL"] == "http://127.0.0.1:5000"
    assert load_config(tmp_path, environ={"PORT": "8080"})["PUBLIC_BASE_URL"] == \
        "http://127.0.0.1:8080"


def test_local_secret_key_is_generated_once_and_kept(tmp_path):
    first = load_config(tmp_path, environ={})["SECRET_KEY"]
    second = load_config(tmp_path, environ={})["SECRET_KEY"]
    assert len(first) >= 32
    assert first == second
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_database_url_defaults_to_sqlite_under_instance(tmp_path):
    config = load_config(tmp_path, environ={})
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'coaching.db'}"


@pytest.mark.parametrize("given", ["postgres://u:p@h/db", "postgresql://u:p@h/db"])
def test_postgres_urls_use_psycopg3(tmp_path, given):
    config = load_config(tmp_path, environ={"DATABASE_URL": given, "SECRET_KEY": "k"})
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@h/db"


def test_unknown_app_env_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="APP_ENV"):
        load_config(tmp_path, environ={"APP_ENV": "staging"})


def test_factory_touches_no_database(tmp_path):
    # An unreachable database must not stop the app from being created:
    # connections happen on first use, not at import or factory time.
    app = create_app({"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none",
                      "SECRET_KEY": "k"})
    assert "web" in app.blueprints


def test_config_overrides_win(tmp_path):
    app = create_app({"SECRET_KEY": "override", "TESTING": True})
    assert app.config["SECRET_KEY"] == "override"
    assert app.testing


def test_behind_a_trusted_proxy_https_is_recognised():
    app = create_app({"SECRET_KEY": "k", "APP_ENV": "production", "TRUSTED_PROXY_COUNT": 1,
                      "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    assert app.test_client().get("/livez", headers=headers).status_code == 200
    # Without the proxy's word, production redirects plain HTTP to HTTPS.
    assert app.test_client().get("/livez").status_code in {301, 302}
