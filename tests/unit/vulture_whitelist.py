"""Names vulture reports as unused that are used where it cannot see (tests/unit/test_dead_code.py).

Each entry says who uses it. Anything else vulture reports in the services is dead: delete it.
"""

from vulture.whitelist_utils import Whitelist

_ = Whitelist()

# sqlglot registers every Dialect subclass under its lower-cased class name: "mariadb" resolves to it
_.MariaDB
# the Agents SDK calls Session.add_items (agent_service/execution/history.py overrides it)
_.add_items
# the Agents SDK calls RunHooks.on_llm_start / on_llm_end (agent_service/observation.py overrides them)
_.on_llm_start
_.on_llm_end
_.system_prompt
_.input_items
# the Agents SDK reads MCPServer.tool_meta_resolver for each MCP tool call (analyticsclient.py sets it)
_.tool_meta_resolver
# the Agents SDK's Model interface: DemoModel must accept these parameters, and ignores them
_.output_schema
_.handoffs
_.tracing
_.previous_response_id
_.conversation_id
# pydantic fields that reach JSON (model_dump / model_dump_json), read by the UI, /health or exports
_.first_event_ms  # ChatAnswer.timings (POST /ai/api/chat)
_.first_token_ms  # ChatAnswer.timings
_.total_ms  # ChatAnswer.timings
_.tool_calls  # ChatAnswer (POST /ai/api/chat)
_.loop_lag_max_ms  # WorkerBeat, listed by name in GET /health's workers
_.updated_at  # Feedback, returned by PUT /sessions/{id}/feedback/{task_id}
_.finished_at  # TaskStatusResponse (GET /tasks/{id})
_.cancel_requested  # TaskStatusResponse (GET /tasks/{id})
