"""Delivery: getting a task to exactly one live run and back out again.

The queue (taskqueue), the per-task lock (tasklock), heartbeat and lock renewal (heartbeat, liveness),
recovery of work nobody will finish (reaper), cancel requests (control), the drain rate the gateway
predicts waits from (throughput), and one payload's path from pickup to release (pickup).
"""
