"""Execution: one run of the agent for a delivered task.

The agent definition (agent), the SDK run and how it ends (run), SDK events → contract events
(translation), ordered writes to the event log (eventsink), what the run sent and the complete event
and transcript turn built from it (record), model history and transcript branching (history),
the state of a run in flight (runstate), what a tool call knows about its run (runscope), and the
SQL attempt budget (queryattempts).
"""
