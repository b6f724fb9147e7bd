"""The Markdown export keeps a regenerated or edited turn's earlier versions under its answer."""

from __future__ import annotations

from backend.export import as_markdown


def test_markdown_export_quotes_each_earlier_version_with_its_question():
    old = {"role": "assistant", "text": "There are 10.\nThat is all.", "task_id": "t1", "created_at": 1}
    session = {
        "title": "Orders",
        "messages": [
            {"role": "user", "text": "How many orders?", "task_id": "t2", "created_at": 2},
            {
                "role": "assistant",
                "text": "There are ten.",
                "task_id": "t2",
                "created_at": 3,
                "status": "completed",
                "versions": [{"question": "Orders count?", "answer": old}],
            },
        ],
    }
    text = as_markdown(session)
    assert "> Earlier version 1 of 2 · asked: Orders count?" in text
    assert "> There are 10.\n> That is all." in text
    assert text.index("There are ten.") < text.index("Earlier version 1")
