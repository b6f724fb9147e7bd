"""Start the whole stack locally: embedded Redis, the gateway, N workers.

Used by the README's first command (`python -m devstack`) and by the integration and e2e tests,
so what the tests start is what a user starts.
"""
