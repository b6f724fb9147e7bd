"""The settings both services read are declared once, in contract/settings.py, and read alike by both."""

from __future__ import annotations

from agent_service.config import Settings as WorkerSettings
from backend.config import Settings as GatewaySettings
from contract.settings import SharedSettings


def test_no_setting_is_declared_by_both_services():
    # REDIS_MAX_CONNECTIONS is read by both, with a default of each service's own
    both = set(GatewaySettings.__annotations__) & set(WorkerSettings.__annotations__)
    assert both == {"redis_max_connections"}


def test_both_services_read_a_shared_setting_from_the_same_variable(monkeypatch):
    monkeypatch.setenv("QUEUE_TIMEOUT_S", "7")
    assert GatewaySettings().queue_timeout_s == WorkerSettings().queue_timeout_s == 7
    assert SharedSettings.model_fields["queue_timeout_s"].default == 60
