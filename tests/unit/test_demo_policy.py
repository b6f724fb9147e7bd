"""The offline demo model with tools other than the analytics ones (an operator's own MCP servers): which
tool it calls, with which arguments, and how it answers (the policy as a pure function)."""

from __future__ import annotations

from agents import FunctionTool

from agent_service.models.demo import decide


def _tool(name: str, properties: dict) -> FunctionTool:
    schema = {"type": "object", "properties": properties, "required": list(properties)}
    return FunctionTool(name=name, description="", params_json_schema=schema, on_invoke_tool=None)


NOTE = _tool("lookup_note", {"topic": {"type": "string"}})
VISIT = _tool(
    "record_visit", {"seconds": {"type": "number", "default": 2}, "loud": {"type": ["boolean", "null"]}}
)
ANALYTICS = [_tool("list_tables", {}), _tool("run_query", {"sql": {"type": "string"}})]


def _ask(question: str):
    return [{"role": "user", "content": question}]


def test_an_agent_with_one_tool_calls_it_with_the_question_as_its_text():
    reply = decide(_ask("What is on the launch checklist?"), [NOTE])
    assert reply.tool == "lookup_note" and reply.arguments == {"topic": "What is on the launch checklist"}


def test_a_tool_named_in_the_question_is_called_with_defaults_and_empty_values():
    reply = decide(_ask("record_visit now"), [NOTE, VISIT])
    assert reply.tool == "record_visit" and reply.arguments == {"seconds": 2, "loud": False}


def test_a_named_tool_wins_over_the_analytics_path_and_the_rest_stays_analytics():
    assert decide(_ask("lookup_note revenue"), [*ANALYTICS, NOTE]).tool == "lookup_note"
    assert decide(_ask("How many customers are there?"), [*ANALYTICS, NOTE]).tool == "list_tables"


def test_with_several_tools_and_none_named_the_answer_lists_them():
    reply = decide(_ask("What is on the launch checklist?"), [NOTE, VISIT])
    assert reply.tool is None and "`lookup_note`, `record_visit`" in reply.text


def test_once_the_tool_answered_the_answer_quotes_it():
    items = [
        *_ask("launch?"),
        {"type": "function_call", "call_id": "c1", "name": "lookup_note", "arguments": "{}"},
        {"type": "function_call_output", "call_id": "c1", "output": "Note on launch: ship it."},
    ]
    assert decide(items, [NOTE]).text == "The tool `lookup_note` answered:\n\nNote on launch: ship it."
