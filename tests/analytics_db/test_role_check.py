"""The start-up role check on the real servers: the administrative user is refused with every reason, the
read-only role made with the README's GRANTs passes, and the explicit setting serves with a warning."""

from __future__ import annotations

import pytest

from agent_service.tools.analytics.query import ReadOnlyDatabase
from agent_service.tools.analytics.roles import role_problems
from agent_service.tools.analytics.server import UNSAFE_WARNING, build_server, checked_role


def test_the_administrative_user_is_refused_with_its_reasons(database):
    db = ReadOnlyDatabase(database.admin_url)
    try:
        if database.kind == "sqlite":  # no roles: the file is opened read-only, nothing to refuse
            assert checked_role(db, allow_unsafe=False) == []
            return
        with pytest.raises(SystemExit, match="refusing to serve") as refused:
            checked_role(db, allow_unsafe=False)
    finally:
        db.close()
    expected = "is a superuser" if database.kind == "postgresql" else "ALL PRIVILEGES"
    assert expected in str(refused.value)
    assert "DATABASE_ALLOW_UNSAFE_ROLE" in str(refused.value)


def test_the_readme_read_only_role_passes_the_check(database):
    db = ReadOnlyDatabase(database.readonly_url)
    try:
        assert role_problems(db) == []
    finally:
        db.close()


def test_allow_unsafe_role_serves_with_a_warning_in_log_and_status(database, caplog):
    db = ReadOnlyDatabase(database.admin_url)
    try:
        warnings = checked_role(db, allow_unsafe=True)
        server = build_server(db, warnings)
    finally:
        db.close()
    if database.kind == "sqlite":
        assert warnings == []
        return
    assert warnings
    assert server.instructions.startswith(UNSAFE_WARNING.split("{")[0])
    assert any("DATABASE_ALLOW_UNSAFE_ROLE" in r.getMessage() for r in caplog.records)
