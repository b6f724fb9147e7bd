"""Test doubles that speak real protocols (HTTP servers), never mocks of the SDK."""
