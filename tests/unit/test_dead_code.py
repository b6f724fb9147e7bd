"""Nothing in the services goes unused: vulture over the code, its tests and the bench finds no name
outside tests/unit/vulture_whitelist.py that nothing reads.

Tests and the bench are scanned as readers (a name a test calls is not dead), but only findings in the
services and their tools count. Route handlers, pytest fixtures, pydantic validators and
`model_config` are used by their frameworks, so their decorators and name are ignored. The fields of
the REST schemas (backend/schemas.py) are read through the OpenAPI document, from which the UI's
types are generated, so a field there is never "unused".
"""

from pathlib import Path

from vulture import Vulture

ROOT = Path(__file__).resolve().parents[2]
CHECKED = ("backend", "agent_service", "devstack", "agent_stream_cli", "evals")
READERS = ("tests", "bench")
WHITELIST = Path(__file__).with_name("vulture_whitelist.py")
SCHEMAS = ROOT / "backend" / "schemas.py"


def test_no_unused_code_in_the_services():
    vulture = Vulture(
        ignore_names=["model_config"],
        ignore_decorators=["@router.*", "@pytest.fixture", "@*_validator", "@app.*", "@event.listens_for"],
    )
    vulture.scavenge([str(ROOT / p) for p in CHECKED + READERS] + [str(WHITELIST)])
    checked = tuple(ROOT / p for p in CHECKED)
    unused = [
        f"{item.filename.relative_to(ROOT)}:{item.first_lineno}: {item.message}"
        for item in vulture.get_unused_code(min_confidence=60)
        if any(item.filename.is_relative_to(c) for c in checked)
        and not (item.filename == SCHEMAS and item.typ == "variable")
    ]
    assert unused == []
