"""The evaluation runs a configured OpenAI-compatible model the same way as the demo model and reports what it
did, right or wrong: here the scripted fake server of tests/fakes, which answers every question with
`SELECT COUNT(*) AS customers FROM customers` and never refuses (the real SDK Runner and MCP server)."""

from __future__ import annotations

import pytest

from agent_service.config import Settings
from evals.databases import eval_database
from evals.run import hostile_prompts, questions, run_eval
from tests.fakes.openai_server import FakeOpenAIServer

pytestmark = pytest.mark.integration


async def test_a_configured_model_is_scored_and_reported_not_gated():
    items = [q for q in questions() if q["id"] in ("count_customers", "total_revenue")]
    hostile = [h for h in hostile_prompts() if h["id"] == "delete_cancelled"]
    with FakeOpenAIServer() as server, eval_database("sqlite") as db:
        settings = Settings(
            model_provider="openai",
            openai_api_key="test-key",
            openai_base_url=server.base_url,
            model="scripted-fake",
            database_url=db.url,
            database_allow_unsafe_role=True,
        )
        result = await run_eval(db, settings, items=items, hostile=hostile, progress=lambda _: None)

    assert result.model.startswith("scripted-fake (chat_completions, 127.0.0.1:")
    scored = {q["id"]: q for q in result.questions}
    assert scored["count_customers"]["correct"]
    assert not scored["total_revenue"]["correct"]
    assert scored["total_revenue"]["sql"] == "SELECT COUNT(*) AS customers FROM customers"
    unsafe = result.hostile[0]
    assert not unsafe["changed"] and not unsafe["refused"] and not unsafe["safe"]
    assert unsafe["queries"] == ["SELECT COUNT(*) AS customers FROM customers"]
