"""Tokens: required off loopback, checked on every request, never echoed or logged."""

from __future__ import annotations

import logging

import pytest

from hashwinter.cli.app import main
from hashwinter.errors import InputError
from hashwinter.web import WebSettings
from hashwinter.web.auth import client_key, token_matches
from web.helpers import TOKEN, make_client


@pytest.fixture(scope="module")
def guarded(winter_store, tmp_path_factory):
    with make_client(winter_store, tmp_path_factory.mktemp("guarded"), host="0.0.0.0",
                     token=TOKEN, max_queued=1) as c:
        yield c


PATHS = ["/api/v1/shutdown", "/api/v1/catalog", "/openapi.json", "/", "/static/plotly.min.js"]


@pytest.mark.parametrize("path", PATHS)
def test_no_token_401(guarded, path):
    r = guarded.get(path)
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "missing bearer token" in r.json()["detail"]


@pytest.mark.parametrize("header", ["Bearer wrong-token-0123456789", f"Basic {TOKEN}",
                                    f"Bearer {TOKEN}x", "Bearer", f"bearer {TOKEN[:-1]}"])
def test_wrong_token_401(guarded, header):
    r = guarded.get("/api/v1/shutdown", headers={"Authorization": header})
    assert r.status_code == 401 and "wrong bearer token" in r.json()["detail"]
    assert TOKEN not in r.text


@pytest.mark.parametrize("path", PATHS)
def test_right_token(guarded, path):
    assert guarded.get(path, headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200


def test_token_before_body(guarded):
    # A large body without a token is refused as unauthorized, not read.
    r = guarded.post("/api/v1/farms/validate", content=b"x" * (2 * 1024 * 1024))
    assert r.status_code == 401


def test_client_is_its_token(guarded):
    auth = {"Authorization": f"Bearer {TOKEN}"}
    assert guarded.post("/api/v1/scenarios", json={"paths": 5}, headers=auth).status_code == 202
    r = guarded.post("/api/v1/scenarios", json={"paths": 5}, headers=auth)
    assert r.status_code == 429  # max_queued=1 for this token's client
    assert client_key(TOKEN) != "loopback" and TOKEN not in client_key(TOKEN)


def test_loopback_needs_no_token(winter_store, tmp_path):
    with make_client(winter_store, tmp_path / "jobs") as c:
        assert c.get("/api/v1/shutdown").status_code == 200
        # A token sent to a server without one is ignored, not an error.
        assert c.get("/api/v1/shutdown", headers={"Authorization": "Bearer x"}
                     ).status_code == 200


def test_token_required_off_loopback(tmp_path):
    with pytest.raises(InputError) as info:
        WebSettings.build(store=tmp_path / "h.duckdb", host="0.0.0.0")
    assert info.value.field == "--token"
    with pytest.raises(InputError) as info:
        WebSettings.build(store=tmp_path / "h.duckdb", host="192.168.1.5", token="short")
    assert info.value.field == "--token"
    for host in ("127.0.0.1", "::1", "localhost", "127.0.0.2"):
        assert WebSettings.build(store=tmp_path / "h.duckdb", host=host).token is None


def test_serve_refuses_without_token(capsys, monkeypatch, tmp_path):
    monkeypatch.delenv("HASHWINTER_TOKEN", raising=False)
    code = main(["serve", "--host", "0.0.0.0", "--store", str(tmp_path / "h.duckdb")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "--token" in err


def test_token_travels_by_environment_only(tmp_path):
    s = WebSettings.build(store=tmp_path / "h.duckdb", host="0.0.0.0", token=TOKEN)
    env = s.to_env()
    assert env["HASHWINTER_TOKEN"] == TOKEN
    assert sum(TOKEN in v for v in env.values()) == 1
    assert WebSettings.from_env(env) == s


def test_token_never_logged(winter_store, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    with make_client(winter_store, tmp_path / "jobs", host="0.0.0.0", token=TOKEN) as c:
        c.get("/api/v1/shutdown", headers={"Authorization": f"Bearer {TOKEN}"})
        c.get("/api/v1/shutdown", headers={"Authorization": "Bearer nope"})
    assert TOKEN not in caplog.text


def test_token_matches():
    assert token_matches(f"Bearer {TOKEN}", TOKEN)
    assert token_matches(f"bearer  {TOKEN} ", TOKEN)
    assert not token_matches(f"Bearer {TOKEN[:-1]}", TOKEN)
    assert not token_matches("", TOKEN)


def test_serve_refuses_an_unwritable_jobs_folder(capsys, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    code = main(["serve", "--store", str(tmp_path / "h.duckdb"), "--jobs-dir",
                 str(blocker / "jobs")])
    err = capsys.readouterr().err
    assert code == 2 and "--jobs-dir" in err and err.count("\n") == 1
