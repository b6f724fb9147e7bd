"""`python -m agent_service.tools.tasks`: the task list MCP server over stdio (see server.py)."""

from agent_service.tools.tasks.server import main

if __name__ == "__main__":
    main()
