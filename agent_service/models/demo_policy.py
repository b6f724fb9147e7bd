"""The offline demo model's policy: what to do next given the conversation so far (pure, deterministic).

The analytics path (demo.py's docstring) runs when the agent has the analytics tools, the task list's
(demo_tasks.py) when it has those; a question about a file the user attached (an uploaded table) takes
the path of demo_uploads.py. Any other tool is
taken the generic way, so an agent over an operator's own MCP server works with the demo model too:
- a tool named in the question (its exact name, e.g. "lookup_note launch checklist") is called, or,
  for an agent without the analytics tools, its only tool; with several and none named, the answer
  lists them;
- its arguments come from its JSON schema: a parameter's default, else the question without the tool's
  name for a string, 0 for a number, false for a boolean, empty for an array or object;
- once it has answered, the answer quotes what it returned.
"""

from __future__ import annotations

import re
from typing import Any

from agents import Tool

from agent_service.models import demo_answers as answers
from agent_service.models import demo_tasks as tasks
from agent_service.models.demo_answers import Reply
from agent_service.models.demo_attachments import content_text as text_of
from agent_service.models.demo_attachments import question_text, received_answer, tabular_hint
from agent_service.models.demo_questions import Plan, parse_question
from agent_service.models.demo_sql import for_dialect
from agent_service.models.demo_uploads import upload_ask, upload_reply

ANALYTICS_TOOLS = frozenset({"list_tables", "describe_table", "sample_rows", "run_query"})
EMPTY = {"string": "", "number": 0, "integer": 0, "boolean": False, "array": [], "object": {}, "null": None}


def decide(items: list[dict], tools: list[Tool]) -> Reply:
    """The whole demo policy: what to do next given the conversation so far (pure, deterministic)."""
    users = [i for i, item in enumerate(items) if item.get("role") == "user"]
    last = users[-1] if users else -1
    content = items[last].get("content") if users else ""
    question = question_text(content)
    names = {getattr(t, "name", "") for t in tools}
    analytics = "list_tables" in names and "run_query" in names
    ask = upload_ask(question) if analytics else None
    received = received_answer(content)
    if received and ask is None:
        return Reply(received + (tabular_hint(content) if analytics else ""))
    if names & tasks.TOOLS:  # writes are its point: no refusal
        return Reply(*tasks.decide(question, _tool_outputs(items[last + 1 :])))
    plan = parse_question(question)
    if plan.kind == "history":
        return Reply(answers.history_answer([question_text(items[i].get("content")) for i in users[:-1]]))
    if plan.kind == "refusal":
        return Reply(plan.text)
    if not tools:  # an agent without tools (the `chat` agent): no analytics help either
        return Reply(answers.no_tools_answer(question))
    outputs = _tool_outputs(items[last + 1 :])
    other = _other_tool(question, tools)
    if other is not None:
        return _other_reply(other, question, outputs)
    if not names & ANALYTICS_TOOLS:  # only other servers' tools, and none named
        return Reply(several_tools_answer(tools))
    if ask is not None:  # about a file the user attached (demo_uploads.py)
        return upload_reply(ask, outputs)
    if plan.kind == "help":
        return Reply(answers.help_text())
    if plan.kind == "unsupported":
        return Reply(answers.help_text(plan.text))
    if plan.tool not in names or "list_tables" not in names:
        return Reply(
            f"I am the offline demo model and the analytics tools ({plan.tool}) are not connected, "
            "so I cannot query the database right now."
        )
    if "list_tables" not in outputs:
        return Reply(tool="list_tables", arguments={})
    if plan.tool == "list_tables":
        return _from_output(plan, outputs["list_tables"])
    listing = answers.parse_tool_output(outputs["list_tables"]) or {}
    available = [t.get("name") for t in listing.get("tables", [])]
    if listing and any(t not in available for t in plan.tables):
        return Reply(answers.missing_tables_answer(plan, available))
    if plan.tool not in outputs:
        arguments = plan.arguments
        if "sql" in arguments:
            arguments = {**arguments, "sql": for_dialect(arguments["sql"], listing.get("dialect"))}
        return Reply(tool=plan.tool, arguments=arguments)
    return _from_output(plan, outputs[plan.tool])


def _from_output(plan: Plan, text: str) -> Reply:
    output = answers.parse_tool_output(text)
    if output is None:
        return Reply(answers.tool_error_answer(plan, text))
    return Reply(answers.answer(plan, output))


def _tool_outputs(items: list[dict]) -> dict[str, str]:
    """Tool name → output text for the function calls answered after the latest user message."""
    names = {i.get("call_id"): i.get("name") for i in items if i.get("type") == "function_call"}
    return {
        names.get(i.get("call_id"), ""): text_of(i.get("output"))
        for i in items
        if i.get("type") == "function_call_output"
    }


def _other_tool(question: str, tools: list[Tool]) -> Tool | None:
    """The tool the generic path calls (module docstring), or None for the analytics path."""
    others = [t for t in tools if getattr(t, "name", "") not in ANALYTICS_TOOLS]
    named = [t for t in others if re.search(rf"(?<![\w]){re.escape(t.name)}(?![\w])", question)]
    if named:
        return named[0]
    if len(others) == 1 and len(others) == len(tools):
        return others[0]
    return None


def _other_reply(tool: Tool, question: str, outputs: dict[str, str]) -> Reply:
    if tool.name in outputs:
        return Reply(f"The tool `{tool.name}` answered:\n\n{outputs[tool.name]}")
    text = question.replace(tool.name, " ").strip(" ?.!:,;\n\t") or question.strip()
    schema = getattr(tool, "params_json_schema", None) or {}
    arguments = {
        name: _argument(spec if isinstance(spec, dict) else {}, text)
        for name, spec in (schema.get("properties") or {}).items()
    }
    return Reply(tool=tool.name, arguments=arguments)


def _argument(spec: dict[str, Any], text: str) -> Any:
    if "default" in spec:
        return spec["default"]
    kinds = spec.get("type") or [s.get("type") for s in spec.get("anyOf", []) if isinstance(s, dict)]
    kinds = [kinds] if isinstance(kinds, str) else [k for k in kinds if k and k != "null"] or ["null"]
    return text if kinds[0] == "string" else EMPTY.get(kinds[0])


def several_tools_answer(tools: list[Tool]) -> str:
    return "I am the offline demo model; name the tool to use in your question: " + ", ".join(
        f"`{t.name}`" for t in tools
    )
