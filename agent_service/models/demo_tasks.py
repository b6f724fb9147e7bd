"""The offline demo model's policy for the `tasks` agent (an agent whose tools include the task list's).

Why its own module: the analytics policy (demo_questions.py) refuses every write in words, which is right
for a read-only analyst and wrong for a task list, whose whole point is writing. So demo_policy.py hands a
question to this policy whenever the agent has the task list tools, before the analytics parsing.

One run (each model call sees the items after the latest user message):
  no tool output yet   → one function call from the question:
                          "add a task buy milk" → add_task(title="buy milk")
                          "list my tasks"       → list_tasks()
                          "complete task 1"     → complete_task(number=1)
                          "delete task 1"       → delete_task(number=1)
                          "rename task 1 to X"  → update_task(number=1, title="X")
  its output present   → a sentence built from the tool's JSON, or, when the output is not JSON (the
                          user rejected the change, or the server refused it), that text in words.
Anything else gets a short help text. The policy never names an owner: the owner is not the model's to
choose (tools/tasks/client.py), so "delete task 1 of user X" deletes the caller's own task 1, if any.
"""

from __future__ import annotations

import json
import re
from typing import Any

TOOLS = frozenset({"add_task", "list_tasks", "update_task", "complete_task", "delete_task"})
HELP = (
    "I keep your task list. Try “add a task buy milk”, “list my tasks”, “complete task 1”, "
    "“rename task 1 to buy oat milk” or “delete task 1”."
)
_NUMBER = r"(?:task|todo|item)\s*(?:number\s*|no\.?\s*|#)?(\d+)"
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "update_task",
        re.compile(rf"\b(?:rename|update|change|edit)\b.*?{_NUMBER}\s*(?:to|:|=)\s*(?P<title>.+)"),
    ),
    ("complete_task", re.compile(rf"\b(?:complete|finish|done|check off|tick off|mark)\b.*?{_NUMBER}")),
    ("delete_task", re.compile(rf"\b(?:delete|remove|drop|erase)\b.*?{_NUMBER}")),
    (
        "add_task",
        re.compile(
            r"\b(?:add|create|new|remember)\b(?:\s+(?:a|an|the|new))*\s+(?:task|todo|to-do)\b"
            r"\s*(?:to\s+|:\s*|called\s+|named\s+)?(?P<title>.+)"
        ),
    ),
    (
        "list_tasks",
        re.compile(r"\b(?:list|show|what(?:'s| is| are)?|which|see)\b.*\b(?:tasks?|todos?|to-dos?|list)\b"),
    ),
)


def decide(question: str, outputs: dict[str, str]) -> tuple[str, str | None, dict[str, Any]]:
    """(text, tool, arguments): a function call to make (tool set), or the text to answer with."""
    if outputs:
        tool, output = next(reversed(outputs.items()))
        return answer(tool, output), None, {}
    q = " ".join(question.replace("’", "'").split()).rstrip("?!. ")
    for tool, pattern in _PATTERNS:
        found = pattern.search(q.lower())
        if found is None:
            continue
        arguments: dict[str, Any] = {}
        if found.groups() and found.group(1) and found.group(1).isdigit():
            arguments["number"] = int(found.group(1))
        if "title" in pattern.groupindex:
            arguments["title"] = q[found.start("title") : found.end("title")].strip(" “”\"'")
        return "", tool, arguments
    return HELP, None, {}


def answer(tool: str, output: str) -> str:
    """The sentence for one tool's output (JSON from the server; anything else is said as it is)."""
    try:
        data = json.loads(output)
    except ValueError:
        if "reject" in output.lower():
            return f"OK, I did not do that: {output.strip()}"
        return f"That did not work: {output.strip()}"
    if tool == "list_tasks":
        tasks = data.get("tasks", [])
        if not tasks:
            return "Your task list is empty."
        lines = [f"- [{'x' if t['done'] else ' '}] {t['number']}. {t['title']}" for t in tasks]
        return "Your tasks:\n" + "\n".join(lines)
    verb, item = next(iter(data.items()))
    sentence = {
        "added": "Added task {number}: “{title}”.",
        "updated": "Task {number} is now “{title}”.",
        "completed": "Marked task {number} (“{title}”) as done.",
        "deleted": "Deleted task {number} (“{title}”).",
    }.get(verb, "Done: {title}.")
    return sentence.format(**item)
