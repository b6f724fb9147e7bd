"""Agent worker: runs OpenAI Agents SDK agents with MCP analytics tools, fed by the Redis task queue."""
