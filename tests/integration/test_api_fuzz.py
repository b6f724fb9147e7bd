"""Every operation in the gateway's OpenAPI schema, fed inputs generated from that schema
(schemathesis), against the real stack: no input gets a 5xx other than a busy 503 with Retry-After,
and every error is JSON with a `detail` that says what was wrong."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from stack_kit import LiveStack
from support.keys import HEADERS_A

pytestmark = pytest.mark.integration

EXAMPLES_PER_OPERATION = 15


@pytest.fixture(scope="module")
def live():
    with LiveStack(
        worker_env={"DEMO_TOKENS_PER_S": "0", "WORKER_CONCURRENCY": "20"},
        gateway_env={"MAX_STREAMS_PER_KEY": "100"},
    ) as stack:
        stack.gateway()
        stack.worker()
        stack.wait_workers(1)
        yield stack


@pytest.fixture(scope="module")
def api_schema(live):
    return schemathesis.openapi.from_url(f"{live.urls[0]}/ai/api/openapi.json")


def problem(case, response) -> str | None:
    """What is wrong with this answer, or None."""
    status = response.status_code
    headers = {name.lower(): values[0] for name, values in response.headers.items()}
    where = f"{case.method} {case.formatted_path} → {status} {response.text[:200]}"
    if status >= 500 and not (status == 503 and "retry-after" in headers):
        return where
    if status >= 400:
        if not headers.get("content-type", "").startswith("application/json"):
            return f"{where} (not JSON)"
        body = response.json()
        if not (isinstance(body, dict) and body.get("detail")):
            return f"{where} (no detail)"
    return None


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
def test_no_generated_input_gets_a_server_error_and_every_error_says_why(api_schema, mode):
    problems: list[str] = []
    skipped: list[str] = []
    calls: list[int] = []
    for result in api_schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def exercise(case):
            found = problem(case, case.call(headers=HEADERS_A, timeout=30))
            calls.append(1)
            if found:
                problems.append(found)

        try:
            exercise()
        except Unsatisfiable:  # nothing in this operation can be made invalid (e.g. no parameters)
            assert mode is GenerationMode.NEGATIVE
            skipped.append(operation.label)
    operations = len(list(api_schema.get_all_operations()))
    print(f"{len(calls)} calls over {operations} operations; nothing to make invalid in: {skipped}")
    assert problems == []
    assert len(calls) >= 3 * operations
    assert len(skipped) < operations / 2, skipped
