"""Bad configuration gives one actionable line and exit status 2, never a traceback or a password."""

from __future__ import annotations

import importlib.util
import socket

import pytest

from cercabandi.flows.cli import main
from cercabandi.flows.errors import explain, safe_url

PASSWORD = "S3cret-Pw"


@pytest.fixture(autouse=True)
def _clean_env(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CERCABANDI_DATABASE_URL", "CERCABANDI_SMTP_PORT", "CERCABANDI_TIMEZONE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CERCABANDI_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)  # no .env file of the developer's


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    with pytest.raises(SystemExit) as stopped:
        main(list(argv))
    captured = capsys.readouterr()
    code = stopped.value.code
    return (code if isinstance(code, int) else 1), captured.out + captured.err


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _assert_one_clean_line(output: str) -> None:
    assert "Traceback" not in output
    assert PASSWORD not in output
    assert output.startswith("Error: ")
    assert len(output.strip().splitlines()) == 1, output


def test_malformed_database_url(capsys, monkeypatch) -> None:
    monkeypatch.setenv("CERCABANDI_DATABASE_URL", f"bandi:{PASSWORD}@db.example/bandi")
    code, output = _run(capsys, "db", "status")
    assert code == 2
    _assert_one_clean_line(output)
    assert "CERCABANDI_DATABASE_URL" in output and "postgresql+psycopg://" in output


def test_unknown_dialect(capsys, monkeypatch) -> None:
    monkeypatch.setenv("CERCABANDI_DATABASE_URL", f"nosuchdb://bandi:{PASSWORD}@db.example/bandi")
    code, output = _run(capsys, "projects", "list")
    assert code == 2
    _assert_one_clean_line(output)
    assert "nosuchdb://bandi:********@db.example/bandi is not valid" in output


def test_unreachable_postgresql(capsys, monkeypatch) -> None:
    port = _closed_port()
    monkeypatch.setenv("CERCABANDI_DATABASE_URL", f"postgresql+psycopg://bandi:{PASSWORD}@127.0.0.1:{port}/bandi")
    code, output = _run(capsys, "db", "upgrade")
    assert code == 2
    _assert_one_clean_line(output)
    assert f"postgresql+psycopg://bandi:********@127.0.0.1:{port}/bandi" in output
    assert "that the server is running" in output


@pytest.mark.skipif(importlib.util.find_spec("psycopg2") is not None, reason="psycopg2 is installed here")
def test_postgresql_url_without_the_psycopg_driver(capsys, monkeypatch) -> None:
    monkeypatch.setenv("CERCABANDI_DATABASE_URL", f"postgresql://bandi:{PASSWORD}@127.0.0.1/bandi")
    code, output = _run(capsys, "db", "status")
    assert code == 2
    _assert_one_clean_line(output)
    assert "'psycopg2'" in output and "postgresql+psycopg://" in output


def test_invalid_setting_names_the_variable(capsys, monkeypatch) -> None:
    monkeypatch.setenv("CERCABANDI_SMTP_PORT", "not-a-port")
    code, output = _run(capsys, "db", "status")
    assert code == 2
    _assert_one_clean_line(output)
    assert "CERCABANDI_SMTP_PORT" in output and "not-a-port" not in output


def test_data_dir_that_cannot_be_created(capsys, monkeypatch, tmp_path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("CERCABANDI_DATA_DIR", str(blocker / "data"))
    code, output = _run(capsys, "db", "upgrade")
    assert code == 2
    _assert_one_clean_line(output)
    assert "CERCABANDI_DATA_DIR" in output and str(blocker / "data") in output


def test_missing_schema_is_explained(empty_db_url: str) -> None:
    from sqlalchemy import text

    from cercabandi.db.session import make_engine

    engine = make_engine(empty_db_url)
    try:
        with engine.connect() as connection, pytest.raises(Exception) as raised:
            connection.execute(text("SELECT * FROM calls"))
    finally:
        engine.dispose()
    message = explain(raised.value)
    assert message is not None and "cercabandi db upgrade" in message


def test_commands_without_a_schema_check_explain_it(capsys) -> None:
    code, output = _run(capsys, "users", "list")
    assert code == 2
    _assert_one_clean_line(output)
    assert "no such table: users" in output and "cercabandi db upgrade" in output


def test_web_refuses_to_start_without_a_schema(capsys) -> None:
    code, output = _run(capsys, "web", "--port", str(_closed_port()))
    assert code == 2 and "cercabandi db upgrade" in output


def test_unknown_source_for_normalise(capsys) -> None:
    code, output = _run(capsys, "normalise", "--source", "no_such_source")
    assert code == 2
    assert "no_such_source" in output and "eu_sedia" in output


def test_bugs_keep_their_traceback() -> None:
    assert explain(ValueError("a bug")) is None
    assert explain(KeyError("x")) is None


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql+psycopg://bandi:pw@db/x", "postgresql+psycopg://bandi:********@db/x"),
        ("bandi:pw@db/x", "********@db/x"),
        ("sqlite:////tmp/x.sqlite3", "sqlite:////tmp/x.sqlite3"),
    ],
)
def test_safe_url_masks_passwords(url: str, shown: str) -> None:
    assert safe_url(url) == shown
