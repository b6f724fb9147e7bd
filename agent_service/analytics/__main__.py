"""`python -m agent_service.analytics`: the analytics MCP server over stdio (see server.py)."""

from agent_service.analytics.server import main

if __name__ == "__main__":
    main()
