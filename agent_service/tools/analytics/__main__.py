"""`python -m agent_service.tools.analytics`: the analytics MCP server over stdio (see server.py)."""

from agent_service.tools.analytics.server import main

if __name__ == "__main__":
    main()
