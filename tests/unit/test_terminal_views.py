"""The terminal client's rendering of events (agent_stream_cli/views.py), on a recorded console."""

from __future__ import annotations

from rich.console import Console

from agent_stream_cli.views import RichView


def _view() -> tuple[RichView, Console]:
    console = Console(record=True, width=100, force_terminal=False)
    return RichView(console), console


def _ev(seq: int, type_: str, **fields) -> dict:
    return {"task_id": "t1", "seq": seq, "type": type_, **fields}


def test_a_retry_discards_the_partial_answer_of_the_earlier_attempt():
    view, console = _view()
    view.show(_ev(1, "token", content="stale half"))
    view.show(_ev(2, "retry", attempt=2, message="worker lost"))
    view.show(_ev(3, "token", content="Fresh answer"))
    view.show(_ev(4, "complete", response="Fresh answer", session_id="s1"))
    text = console.export_text()
    assert "stale half" not in text and "Fresh answer" in text and "attempt 2" in text


def test_a_data_event_is_a_table_that_says_how_many_rows_it_shows():
    view, console = _view()
    rows = [[f"p{i}", i] for i in range(25)]
    view.show(
        _ev(1, "data", call_id="c", name="run_query", sql="SELECT 1", columns=["product", "n"], rows=rows,
            row_count=25, truncated=False)
    )  # fmt: skip
    text = console.export_text()
    assert "product" in text and "p19" in text and "p20" not in text
    assert "25 rows, first 20 shown" in text


def test_a_tool_step_prints_its_sql_and_an_error_its_code_and_message():
    view, console = _view()
    view.show(
        _ev(1, "tool", name="run_query", arguments={"sql": "SELECT 42"}, call_id="c", message="Running")
    )
    view.show(_ev(2, "error", code="timeout", message="The run took too long."))
    text = console.export_text()
    assert "run_query" in text and "SELECT 42" in text
    assert "timeout: The run took too long." in text
