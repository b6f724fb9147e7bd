"""The model history cut to HISTORY_MAX_TOKENS: the cut rule as a pure function (counting words, so the
budgets read as numbers), what an item costs, and the offline tokenizer it counts with."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import textwrap

from agent_service.execution import tokenizer
from agent_service.execution.historybudget import (
    IMAGE_TOKENS,
    IMAGE_TOKENS_LOW,
    ITEM_OVERHEAD,
    HistoryBudget,
    fit,
    item_tokens,
)


def words(text: str) -> int:
    return len(text.split())


def user(text: str) -> dict:
    return {"role": "user", "content": text}


def answer(text: str) -> dict:
    return {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": text}]}


def call(call_id: str, arguments: str = "{}") -> dict:
    return {"type": "function_call", "call_id": call_id, "name": "run_query", "arguments": arguments}


def output(call_id: str, text: str = "ok") -> dict:
    return {"type": "function_call_output", "call_id": call_id, "output": text}


def cost(*items: dict) -> int:
    return sum(item_tokens(item, words) for item in items)


def test_the_whole_history_is_sent_when_it_fits():
    history = [user("one two"), answer("three"), user("four")]
    question = [user("five six")]
    assert fit(history, question, cost(*history, *question), words) == history + question


def test_the_oldest_items_are_left_out_first():
    history = [user("old question"), answer("old answer"), user("new question"), answer("new answer")]
    question = [user("now")]
    budget = cost(*history[2:], *question)
    assert fit(history, question, budget, words) == history[2:] + question


def test_a_tool_call_is_never_sent_without_its_output():
    history = [user("q"), call("c1", "select one two three four five"), output("c1", "5"), answer("five")]
    question = [user("next")]
    budget = cost(history[2], history[3], *question)  # room for the output, not for its call
    assert fit(history, question, budget, words) == [history[3], *question]


def test_parallel_tool_calls_and_their_outputs_are_kept_or_left_out_together():
    pair = [call("a"), call("b"), output("a"), output("b")]
    history = [user("q"), *pair, answer("done")]
    question = [user("next")]
    assert fit(history, question, cost(*pair[1:], history[-1], *question), words) == [history[-1], *question]
    assert fit(history, question, cost(*pair, history[-1], *question), words) == [
        *pair,
        history[-1],
        *question,
    ]


def test_the_history_is_never_cut_right_after_a_reasoning_item():
    reasoning = {"type": "reasoning", "id": "rs_1", "summary": []}
    history = [user("q"), reasoning, answer("the answer")]
    question = [user("next")]
    budget = cost(history[2], *question)  # the answer fits; the reasoning that led to it does not
    assert fit(history, question, budget, words) == question


def test_nothing_older_is_kept_past_an_item_that_does_not_fit():
    history = [user("short"), answer("a very long answer " * 20), user("recent")]
    question = [user("now")]
    budget = cost(history[0], history[2], *question)
    assert fit(history, question, budget, words) == [history[2], *question]


def test_the_question_is_sent_even_when_it_alone_is_over_the_budget():
    history = [user("earlier"), answer("reply")]
    question = [user("a long question " * 50)]
    assert fit(history, question, 10, words) == question


def test_a_tool_output_whose_call_the_item_cap_cut_off_is_left_out():
    history = [output("gone", "5 rows"), answer("five"), user("q")]
    question = [user("now")]
    assert fit(history, question, 10_000, words) == history[1:] + question


def test_an_image_costs_a_fixed_estimate_not_the_length_of_its_data():
    data = "data:image/png;base64," + base64.b64encode(os.urandom(30_000)).decode()
    high = user_parts({"type": "input_image", "image_url": data, "detail": "auto"})
    low = user_parts({"type": "input_image", "image_url": data, "detail": "low"})
    assert item_tokens(high, words) == ITEM_OVERHEAD + IMAGE_TOKENS
    assert item_tokens(low, words) == ITEM_OVERHEAD + IMAGE_TOKENS_LOW


def test_a_file_costs_a_quarter_token_per_byte_of_its_content():
    data = base64.b64encode(b"x" * 4000).decode()
    item = user_parts(
        {"type": "input_file", "filename": "report.csv", "file_data": f"data:text/csv;base64,{data}"}
    )
    assert item_tokens(item, words) == ITEM_OVERHEAD + 1000 + 1


def test_a_message_costs_its_text_plus_the_per_item_overhead():
    assert item_tokens(answer("three words here"), words) == ITEM_OVERHEAD + 3


def test_the_callback_returns_what_fit_returns():
    history = [user("old " * 30), answer("reply")]
    question = [user("now")]
    assert HistoryBudget(20, words)(history, question) == fit(history, question, 20, words)


def user_parts(*parts: dict) -> dict:
    return {"role": "user", "content": list(parts)}


def test_the_tokenizer_counts_o200k_base_tokens():
    assert tokenizer.count_tokens("hello world") == 2
    assert tokenizer.count_tokens("") == 0


def test_the_tokenizer_loads_its_vocabulary_without_opening_a_socket(tmp_path):
    script = textwrap.dedent(
        """
        import sys
        def refuse(event, args):
            if event.startswith("socket."):
                raise RuntimeError(f"network use: {event}")
        sys.addaudithook(refuse)
        from agent_service.execution.tokenizer import count_tokens
        print(count_tokens("How many customers placed an order in 2024?"))
        """
    )
    env = {**os.environ, "TIKTOKEN_CACHE_DIR": str(tmp_path / "cache")}  # an empty cache: nothing there yet
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) > 0
