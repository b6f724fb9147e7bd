"""The Markdown export keeps a regenerated or edited turn's earlier versions under its answer, each with
the turns that followed it on its branch."""

from __future__ import annotations

from backend.export import as_markdown

OLD = {"role": "assistant", "text": "There are 10.\nThat is all.", "task_id": "t1", "created_at": 1}


def edited(version: dict) -> dict:
    """A session of one turn whose answer replaced `version`."""
    return {
        "title": "Orders",
        "messages": [
            {"role": "user", "text": "How many orders?", "task_id": "t2", "created_at": 2},
            {
                "role": "assistant",
                "text": "There are ten.",
                "task_id": "t2",
                "created_at": 3,
                "status": "completed",
                "versions": [version],
            },
        ],
    }


def test_markdown_export_quotes_each_earlier_version_with_its_question():
    text = as_markdown(edited({"question": "Orders count?", "answer": OLD}))
    assert "> Earlier version 1 of 2 · asked: Orders count?" in text
    assert "> There are 10.\n> That is all." in text
    assert text.index("There are ten.") < text.index("Earlier version 1")


def test_markdown_export_quotes_the_turns_that_followed_an_earlier_version():
    later = [
        {"role": "user", "text": "And per year?", "task_id": "t3", "created_at": 4},
        {"role": "assistant", "text": "2024: 6", "task_id": "t3", "created_at": 5, "status": "completed"},
    ]
    text = as_markdown(edited({"question": "Orders count?", "answer": OLD, "tail": later}))
    assert "> _Then, on that version (2 messages):_" in text
    assert "> ## You · " in text and "> And per year?" in text and "> 2024: 6" in text
    assert text.index("> That is all.") < text.index("> And per year?")
