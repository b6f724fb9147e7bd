"""The offline demo model over a file the user attached: which questions are about it, the query it sends
to the uploaded table, and the answer from the rows (the policy as a pure function)."""

from __future__ import annotations

import json

import pytest
from agents import FunctionTool

from agent_service.models.demo import decide
from agent_service.models.demo_uploads import NO_UPLOAD, UploadAsk, upload_ask


def _tool(name: str, properties: dict) -> FunctionTool:
    schema = {"type": "object", "properties": properties, "required": list(properties)}
    return FunctionTool(name=name, description="", params_json_schema=schema, on_invoke_tool=None)


ANALYTICS = [_tool("list_tables", {}), _tool("run_query", {"sql": {"type": "string"}})]
SALES = {
    "name": "upload_sales",
    "row_count": 42,
    "columns": ["region", "amount"],
    "upload": {"filename": "sales.csv", "format": "csv", "dialect": "duckdb"},
}
LISTING = json.dumps({"dialect": "sqlite", "tables": [{"name": "orders", "columns": ["id"]}, SALES]})


def _turn(question: str, *outputs: tuple[str, str]) -> list[dict]:
    items: list[dict] = [{"role": "user", "content": question}]
    for n, (tool, output) in enumerate(outputs):
        items.append({"type": "function_call", "call_id": f"c{n}", "name": tool, "arguments": "{}"})
        items.append({"type": "function_call_output", "call_id": f"c{n}", "output": output})
    return items


@pytest.mark.parametrize(
    ("question", "ask"),
    [
        ("How many rows are in sales.csv?", UploadAsk("count", "sales.csv")),
        ("top 5 by amount", UploadAsk("top", "", 5, "amount")),
        ("Bottom three rows by amount in sales.csv", UploadAsk("top", "sales.csv", 3, "amount", True)),
        ("What is in my file?", UploadAsk("about")),
        ("Top 5 customers by revenue", None),
        ("How many orders are there?", None),
    ],
)
def test_questions_about_an_uploaded_file_are_told_from_questions_about_the_shop(question, ask):
    assert upload_ask(question) == ask


def test_a_row_count_question_lists_tables_then_counts_the_uploaded_table():
    assert decide(_turn("How many rows are in sales.csv?"), ANALYTICS).tool == "list_tables"
    reply = decide(_turn("How many rows are in sales.csv?", ("list_tables", LISTING)), ANALYTICS)
    assert reply.tool == "run_query" and reply.arguments == {
        "sql": "SELECT COUNT(*) AS row_count FROM upload_sales"
    }


def test_the_answer_comes_from_the_rows_the_query_returned():
    result = json.dumps({"columns": ["row_count"], "rows": [[42]], "row_count": 1, "truncated": False})
    reply = decide(
        _turn("how many rows in sales.csv", ("list_tables", LISTING), ("run_query", result)), ANALYTICS
    )
    assert reply.text == "**sales.csv** (the table `upload_sales`) has **42** rows."


def test_top_n_by_a_column_orders_the_uploaded_table_by_it():
    reply = decide(_turn("top 5 by Amount", ("list_tables", LISTING)), ANALYTICS)
    assert reply.arguments == {"sql": 'SELECT * FROM upload_sales ORDER BY "amount" DESC LIMIT 5'}


def test_an_unknown_column_is_answered_with_the_files_columns():
    reply = decide(_turn("top 5 by price", ("list_tables", LISTING)), ANALYTICS)
    assert reply.tool is None and "no column “price”" in reply.text and "`region`, `amount`" in reply.text


def test_without_an_uploaded_file_the_answer_says_how_to_attach_one():
    listing = json.dumps({"dialect": "sqlite", "tables": [{"name": "orders", "columns": ["id"]}]})
    assert (
        decide(_turn("how many rows are in sales.csv?", ("list_tables", listing)), ANALYTICS).text
        == NO_UPLOAD
    )


def test_a_csv_attached_without_a_question_about_it_is_named_as_a_table():
    content = [
        {"type": "input_text", "text": "Here you go"},
        {"type": "input_file", "filename": "sales.csv", "file_data": "data:text/csv;base64,YSxiCg=="},
        {"type": "input_text", "text": "[sales.csv is the table upload_sales for the analytics tools]"},
    ]
    reply = decide([{"role": "user", "content": content}], ANALYTICS)
    assert "You wrote: “Here you go”." in reply.text  # the worker's note is not the user's words
    assert "ask “how many rows are in sales.csv?”" in reply.text
