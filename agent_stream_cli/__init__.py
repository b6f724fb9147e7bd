"""`agent-stream`: a terminal client of the gateway's public HTTP API (chat, resume, cancel).

It talks to the gateway only over HTTP, like any other client; of this repository it imports nothing but
the event models of the wire contract (contract/events.py), to render what it receives.
"""
