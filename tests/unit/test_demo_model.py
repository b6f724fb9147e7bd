"""The offline demo model with the REAL Runner.run_streamed and the REAL analytics MCP server (stdio):
it calls the tools, streams many deltas, and its answers carry numbers computed by the database."""

from __future__ import annotations

import contextlib
import sqlite3

import fakeredis
import pytest
from agents import Runner, SQLiteSession
from agents.extensions.memory import RedisSession
from agents.mcp import MCPServerStdio
from openai.types.responses import ResponseTextDeltaEvent

from agent_service.config import Settings
from agent_service.execution.agent import build_agent
from agent_service.models import DemoModel, build_model
from agent_service.models.demo_questions import parse_question
from agent_service.tools.analytics import mcp_params
from agent_service.tools.analytics.sample_db import ensure_sample_db


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory):
    return ensure_sample_db(tmp_path_factory.mktemp("demo") / "sample.db")


@contextlib.asynccontextmanager
async def demo_agent(sample_db, **overrides):
    settings = Settings(model_provider="demo", sample_db_path=sample_db, demo_tokens_per_s=0, **overrides)
    async with MCPServerStdio(params=mcp_params(settings), client_session_timeout_seconds=60) as server:
        yield build_agent(settings, [server])


async def ask(agent, question: str, session=None) -> dict:
    result = Runner.run_streamed(agent, question, session=session)
    seen = {"tools": [], "outputs": [], "deltas": []}
    async for event in result.stream_events():
        if event.type == "raw_response_event" and isinstance(event.data, ResponseTextDeltaEvent):
            seen["deltas"].append(event.data.delta)
        elif event.type == "run_item_stream_event" and event.name == "tool_called":
            seen["tools"].append(event.item.raw_item.name)
        elif event.type == "run_item_stream_event" and event.name == "tool_output":
            seen["outputs"].append(event.item.output)
    seen["final"] = result.final_output
    seen["usage"] = result.context_wrapper.usage
    return seen


def _scalar(path, sql: str):
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


async def test_how_many_customers_calls_the_tools_and_streams_the_real_count(sample_db):
    async with demo_agent(sample_db) as agent:
        seen = await ask(agent, "How many customers do we have?")

    count = _scalar(sample_db, "SELECT COUNT(*) FROM customers")[0][0]
    assert seen["tools"] == ["list_tables", "run_query"]
    assert len(seen["outputs"]) == 2
    assert len(seen["deltas"]) > 3
    assert "".join(seen["deltas"]) == seen["final"]
    assert f"**{count:,}**" in seen["final"]
    assert seen["usage"].requests == 3
    assert seen["usage"].input_tokens > 0 and seen["usage"].output_tokens > 0


async def test_count_with_country_filter_matches_sqlite(sample_db):
    async with demo_agent(sample_db) as agent:
        seen = await ask(agent, "how many customers in Germany?")

    count = _scalar(sample_db, "SELECT COUNT(*) FROM customers WHERE country = 'Germany'")[0][0]
    assert f"**{count:,}** customers in Germany" in seen["final"]


async def test_top_5_products_by_revenue_lists_the_real_top_products_in_order(sample_db):
    async with demo_agent(sample_db) as agent:
        seen = await ask(agent, "Top 5 products by revenue")

    top = _scalar(
        sample_db,
        "SELECT p.name, SUM(oi.quantity * oi.unit_price) FROM order_items oi JOIN orders o ON o.id = oi.order_id "
        "JOIN products p ON p.id = oi.product_id WHERE o.status <> 'cancelled' GROUP BY p.id ORDER BY 2 DESC LIMIT 5",
    )
    positions = [seen["final"].index(f"| {name} |") for name, _ in top]
    assert positions == sorted(positions)
    assert f"{top[0][1]:,.2f}" in seen["final"]


async def test_total_revenue_per_country_covers_every_country(sample_db):
    async with demo_agent(sample_db) as agent:
        seen = await ask(agent, "What is the total revenue per country?")

    rows = _scalar(
        sample_db,
        "SELECT c.country, ROUND(SUM(o.total), 2) FROM orders o JOIN customers c ON c.id = o.customer_id "
        "WHERE o.status <> 'cancelled' GROUP BY c.country",
    )
    for country, revenue in rows:
        assert f"| {country} | {revenue:,.2f} |" in seen["final"]


async def test_unknown_question_gets_the_help_text_without_a_tool_call(sample_db):
    async with demo_agent(sample_db) as agent:
        seen = await ask(agent, "Write me a poem about the sea")

    assert seen["tools"] == []
    assert "I am the offline demo model" in seen["final"]
    assert "Top 5 customers by revenue" in seen["final"]


async def test_follow_up_in_a_sqlite_session_sees_the_previous_question(sample_db):
    session = SQLiteSession("follow-up")
    async with demo_agent(sample_db) as agent:
        await ask(agent, "how many orders?", session=session)
        seen = await ask(agent, "What did I ask before?", session=session)

    assert seen["tools"] == []
    assert "Your previous question was: “how many orders?”" in seen["final"]


async def test_follow_up_in_a_redis_session_on_another_client_sees_the_previous_question(sample_db):
    server = fakeredis.FakeServer()
    first = RedisSession(
        "chat-1", redis_client=fakeredis.FakeAsyncRedis(server=server), key_prefix="t:history"
    )
    second = RedisSession(
        "chat-1", redis_client=fakeredis.FakeAsyncRedis(server=server), key_prefix="t:history"
    )
    async with demo_agent(sample_db) as agent:
        await ask(agent, "tickets per priority", session=first)
        seen = await ask(agent, "what was my previous question?", session=second)

    assert "“tickets per priority”" in seen["final"]


async def test_first_question_has_no_history_to_recall(sample_db):
    async with demo_agent(sample_db) as agent:
        seen = await ask(agent, "what did I ask before?")

    assert "first question" in seen["final"]


async def test_query_error_from_the_database_is_reported_plainly(tmp_path, sample_db):
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")  # no country column
    conn.commit()
    conn.close()
    async with demo_agent(sample_db, database_url=f"sqlite:///{other}") as agent:
        seen = await ask(agent, "how many customers in France")

    assert seen["tools"] == ["list_tables", "run_query"]
    assert "returned an error" in seen["final"]
    assert "no such column: c.country" in seen["final"]


async def test_missing_table_is_explained_without_running_sql(tmp_path, sample_db):
    other = tmp_path / "empty.db"
    sqlite3.connect(other).close()
    async with demo_agent(sample_db, database_url=f"sqlite:///{other}") as agent:
        seen = await ask(agent, "how many orders")

    assert seen["tools"] == ["list_tables"]
    assert "I need the table(s) orders" in seen["final"]


def test_tokens_are_paced_by_demo_tokens_per_s():
    model = DemoModel(tokens_per_s=0)
    slow = DemoModel(tokens_per_s=20)

    assert model.delay_s == 0
    assert slow.delay_s == pytest.approx(0.05)


def test_build_model_defaults_to_the_demo_model_without_an_api_key():
    model, _ = build_model(Settings(model_provider="", openai_api_key=""))

    assert isinstance(model, DemoModel)


@pytest.mark.parametrize(
    ("question", "kind", "fragment"),
    [
        ("How many customers?", "count", "FROM customers c"),
        ("how many cancelled orders in 2024", "count", "o.status = 'cancelled'"),
        ("How many urgent tickets?", "count", "t.priority = 'urgent'"),
        ("top 3 customers by revenue", "top", "LIMIT 3"),
        ("Top 5 products by quantity sold", "top", "SUM(oi.quantity)"),
        ("total revenue per month", "per", "strftime('%Y-%m', o.order_date)"),
        ("revenue by category", "per", "p.category"),
        ("orders per status", "per", "o.status AS status"),
        ("tickets per priority", "per", "t.priority AS priority"),
        ("what tables are there?", "tables", ""),
        ("describe orders", "describe", ""),
        ("what did I ask before?", "history", ""),
        ("sing a song", "help", ""),
    ],
)
def test_question_shapes_map_to_plans(question, kind, fragment):
    plan = parse_question(question)

    assert plan.kind == kind
    assert fragment in plan.arguments.get("sql", "")


def test_question_values_are_quoted_in_generated_sql():
    plan = parse_question("how many customers in O'Fallon")

    assert "'o''fallon'" in plan.arguments["sql"]
