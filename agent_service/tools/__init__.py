"""Tools: the MCP tool-server supervisor (supervisor, connection) and the bundled analytics server."""
