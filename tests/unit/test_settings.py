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


def test_env_file_names_the_settings_file_and_empty_means_none(tmp_path, monkeypatch):
    from agent_service.config import get_settings as cached_worker_settings
    from backend.config import get_settings as gateway_settings

    def worker_settings():
        cached_worker_settings.cache_clear()
        return cached_worker_settings()

    try:
        (tmp_path / "other.env").write_text("WORKER_CONCURRENCY=3\nRATE_LIMIT=1/hour\n")
        (tmp_path / ".env").write_text("WORKER_CONCURRENCY=4\n")
        monkeypatch.chdir(tmp_path)
        monkeypatch.setenv("ENV_FILE", "other.env")
        assert worker_settings().worker_concurrency == 3 and gateway_settings().rate_limit == "1/hour"
        monkeypatch.setenv("ENV_FILE", "")
        assert (
            worker_settings().worker_concurrency == WorkerSettings.model_fields["worker_concurrency"].default
        )
        monkeypatch.delenv("ENV_FILE")
        assert worker_settings().worker_concurrency == 4
    finally:
        cached_worker_settings.cache_clear()


def test_the_processes_a_test_starts_read_no_settings_file():
    assert os.environ["ENV_FILE"] == ""
