"""``fsapp users`` and ``fsapp register``, and a fresh database that knows the register's categories."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

import cli
from fsapp.desk.passwords import check_password
from fsapp.store import open_store


def run(db_url: str, *args: str, password: str | None = None) -> tuple[int, str]:
    env = {"FSAPP_DATABASE_URL": db_url, "FSAPP_ACTOR": "admin"}
    if password is not None:
        env["FSAPP_USER_PASSWORD"] = password
    result = CliRunner().invoke(cli.main, list(args), env=env)
    return result.exit_code, result.output


def test_people_are_added_listed_and_disabled(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/desk.db"
    code, out = run(url, "users", "add", "kari", "--role", "operator", "--agent", "ola", password="long enough pw")
    assert code == 0, out
    assert run(url, "users", "add", "kari", "--agent", "ola", password="long enough pw")[0] != 0   # name taken
    assert run(url, "users", "add", "bo", "--agent", "nobody", password="long enough pw")[0] != 0
    assert run(url, "users", "add", "bo", "--agent", "ola", password="short")[0] != 0
    assert run(url, "users", "add", "bo", password="long enough pw")[0] != 0   # an operator needs an agent
    assert run(url, "users", "disable", "kari")[0] == 0
    code, out = run(url, "users", "list")
    assert code == 0 and "kari" in out and "yes" in out and "long enough" not in out
    store = open_store(url)
    stored = store.desk_user("kari")
    assert stored["password_hash"].startswith("$argon2id$") and check_password(stored["password_hash"],
                                                                                "long enough pw")
    assert [e["actor"] for e in store.audit_trail("user", "kari")] == ["admin", "admin"]


def test_a_fresh_database_has_the_registers_categories(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/fresh.db"
    code, out = run(url, "cases", "new", "--category", "water", "-d", "No water", "--field", "problem=ikke vann")
    assert code == 0, out
    assert "Vann og avløp" in out
    code, out = run(url, "register", "check")
    assert code == 0 and "categories" in out
    bad = tmp_path / "register.yaml"
    bad.write_text("categories:\n  water:\n    name: W\n    department: nope\n", encoding="utf-8")
    code, out = run(url, "register", "load", str(bad))
    assert code != 0 and f"{bad}:4:" in out
