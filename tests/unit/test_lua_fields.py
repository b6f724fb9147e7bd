"""Every task or session hash field a Lua script touches is handed in from the contract (ARGV), never
spelled inside the script: renaming a field in contract/tasks.py then renames it everywhere."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from contract import SessionField, TaskField

ROOT = Path(__file__).resolve().parents[2]
SCRIPT_MODULES = [
    "contract/eventlog.py",
    "contract/approvals.py",
    "agent_service/delivery/tasklock.py",
    "agent_service/delivery/taskqueue.py",
    "agent_service/delivery/heartbeat.py",
    "backend/limits.py",
    "backend/sessions.py",
    "backend/ticker.py",
]
FIELDS = sorted(
    {value for cls in (TaskField, SessionField) for name, value in vars(cls).items() if name.isupper()}
)


def _scripts(path: Path) -> list[str]:
    return [
        node.value
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and "redis.call" in node.value
    ]


def test_the_scanned_modules_hold_lua_scripts():
    assert all(_scripts(ROOT / module) for module in SCRIPT_MODULES)


@pytest.mark.parametrize("module", SCRIPT_MODULES)
def test_no_lua_script_spells_a_hash_field_name(module):
    quoted = [
        f"{q}{field}{q}"
        for script in _scripts(ROOT / module)
        for field in FIELDS
        for q in "'\""
        if f"{q}{field}{q}" in script
    ]
    assert quoted == []
