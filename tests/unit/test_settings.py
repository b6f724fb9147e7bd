"""The settings both services read are declared once, in contract/settings.py, and read alike by both."""

from __future__ import annotations

import os

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


def test_a_dotenv_file_in_the_working_directory_reaches_neither_services_settings_in_a_test(
    tmp_path, monkeypatch
):
    (tmp_path / ".env").write_text("WORKER_CONCURRENCY=3\nRATE_LIMIT=1/hour\n")
    monkeypatch.chdir(tmp_path)
    assert WorkerSettings().worker_concurrency == WorkerSettings.model_fields["worker_concurrency"].default
    assert GatewaySettings().rate_limit == GatewaySettings.model_fields["rate_limit"].default


def test_no_variable_of_the_shell_that_names_a_setting_is_left_in_a_test():
    fields = {name.upper() for cls in (GatewaySettings, WorkerSettings) for name in cls.model_fields}
    assert not {name.upper() for name in os.environ} & fields
