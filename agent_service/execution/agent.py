"""The analytics agent: instructions + MCP tools + the configured model, as one `agents.Agent`.

The agent is cheap to build, so the worker may build one per run; the expensive parts (the MCP stdio
server connection and the model's HTTP client) are created once per worker process and passed in.
`convert_schemas_to_strict` makes the MCP tools' JSON schemas acceptable to OpenAI strict function
calling (the SDK falls back to the original schema when a schema cannot be converted).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from agents import Agent, Model, ModelSettings

from agent_service.models import build_model
from contract.agents import DEFAULT_AGENT

if TYPE_CHECKING:
    from agent_service.config import Settings


INSTRUCTIONS = """\
You are a data analyst answering questions about a SQL database with read-only tools.

How to work:
1. If you do not know the schema yet, call list_tables; call describe_table(table) for the columns, types and
   foreign keys of the tables you need. Never guess table or column names.
2. Write ONE read-only SQL statement (SELECT or WITH) and call run_query(sql). Aggregate in SQL
   (COUNT, SUM, AVG, GROUP BY, ORDER BY ... LIMIT) instead of fetching raw rows; results are capped and
   `truncated: true` means there were more rows.
3. If run_query returns an error, read it, fix the SQL (the message lists available tables or columns), and
   try again, at most twice. Never try to modify data: the database is read-only.

How to answer:
- Lead with the number or the direct answer, concisely, in the user's language.
- Use a small markdown table for breakdowns and rankings (at most ~20 rows), with readable column names and
  thousands separators.
- State assumptions that change the numbers (e.g. which order statuses count as revenue, date ranges).
- If the question cannot be answered from the data, say so plainly and suggest what can be answered.
"""


def build_agent(
    settings: Settings,
    mcp_servers: list,
    model: Model | None = None,
    model_settings: ModelSettings | None = None,
) -> Agent:
    """The analytics agent over `mcp_servers` (connected agents.mcp servers). `model`/`model_settings`
    default to `build_model(settings)`; pass the per-process model to reuse its HTTP client."""
    if model is None:
        model, built_settings = build_model(settings)
        model_settings = model_settings or built_settings
    if model_settings is None:
        model_settings = (
            ModelSettings(include_usage=True) if settings.model_provider == "openai" else ModelSettings()
        )
    return Agent(
        name=DEFAULT_AGENT,
        instructions=INSTRUCTIONS,
        mcp_servers=mcp_servers,
        mcp_config={"convert_schemas_to_strict": True},
        model=model,
        model_settings=model_settings,
    )
