"""The UI's wire types (frontend/src/api/generated/wire.ts) are generated from the backend's schemas;
this fails when the committed file is not what the generator makes of the backend as it is now."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from backend.schema_export import wire_schema

ROOT = Path(__file__).resolve().parents[2]
FRONTEND = ROOT / "frontend"
COMMITTED = FRONTEND / "src" / "api" / "generated" / "wire.ts"
REGENERATE = "cd frontend && npm run gen:types"


def test_the_committed_ui_types_match_the_backends_schemas(tmp_path: Path) -> None:
    node = shutil.which("node")
    assert node and (FRONTEND / "node_modules" / "json-schema-to-typescript").is_dir(), (
        "Node and the UI's packages are needed to check the generated types: scripts/setup.sh dev"
    )
    fresh = tmp_path / "wire.ts"
    subprocess.run([node, "scripts/gen-types.mjs", str(fresh)], cwd=FRONTEND, check=True, timeout=120)
    assert fresh.read_text() == COMMITTED.read_text(), (
        f"frontend/src/api/generated/wire.ts is stale (the backend's schemas changed): run `{REGENERATE}` "
        "and commit the result"
    )


def test_the_wire_schema_holds_the_event_union_and_every_rest_body() -> None:
    schemas = wire_schema()["components"]["schemas"]
    tags = {
        s["properties"]["type"]["const"]
        for s in (schemas[r["$ref"].rsplit("/", 1)[1]] for r in schemas["Event"]["oneOf"])
    }
    assert tags == {
        "session",
        "retry",
        "tool",
        "tool_result",
        "approval_required",
        "token",
        "progress",
        "data",
        "complete",
        "error",
        "cancelled",
    }
    for name in (
        "TranscriptMessage",
        "ToolStep",
        "SessionDetail",
        "ShareLink",
        "UiConfig",
        "Me",
        "TaskState",
        "ApprovalDecision",
        "ApprovalResult",
        "Health",
    ):
        assert name in schemas
