"""docker-compose.yml and the Dockerfiles reference only things that exist.

No Docker engine runs here (nor in CI), so these files are checked statically: every COPY source is
in the repository, every command's module has a __main__, every environment variable is a setting.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from agent_service.config import Settings as WorkerSettings
from backend.config import Settings as GatewaySettings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]


def _instructions(dockerfile: str) -> list[tuple[str, str]]:
    text = (ROOT / dockerfile).read_text().replace("\\\n", " ")
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def _copy_sources(dockerfile: str) -> list[str]:
    sources = []
    for word, rest in _instructions(dockerfile):
        if word == "COPY" and "--from=" not in rest:
            parts = [p for p in rest.split() if not p.startswith("--")]
            sources += parts[:-1]
    return sources


def _module_of(cmd: str) -> str:
    return re.search(r'"-m",\s*"([\w.]+)"', cmd).group(1)


@pytest.mark.parametrize("dockerfile", ["Dockerfile.api", "Dockerfile.agent"])
def test_every_copy_source_exists(dockerfile):
    for src in _copy_sources(dockerfile):
        assert (ROOT / src).exists(), f"{dockerfile}: COPY {src} does not exist"


def test_api_image_builds_the_frontend_in_a_first_stage():
    froms = [rest for word, rest in _instructions("Dockerfile.api") if word == "FROM"]
    assert froms[0].startswith("node:") and " AS " in froms[0].upper()
    assert any("--from=ui" in rest for word, rest in _instructions("Dockerfile.api") if word == "COPY")
    assert (ROOT / "frontend" / "package-lock.json").exists()
    assert (ROOT / "frontend" / ".npmrc").exists()


@pytest.mark.parametrize("dockerfile", ["Dockerfile.api", "Dockerfile.agent"])
def test_image_commands_run_modules_that_exist(dockerfile):
    for word, rest in _instructions(dockerfile):
        if word in ("CMD", "HEALTHCHECK") and '"-m"' in rest:
            module = _module_of(rest)
            assert (ROOT / module.replace(".", "/") / "__main__.py").exists(), module


def test_agent_image_carries_the_contract_and_no_gateway_code():
    sources = _copy_sources("Dockerfile.agent")
    assert "contract/" in sources
    assert not any(s.startswith("backend") for s in sources)


def test_gateway_image_carries_the_contract_and_no_worker_code():
    sources = _copy_sources("Dockerfile.api")
    assert "contract/" in sources
    assert not any(s.startswith("agent_service") for s in sources)


def test_compose_has_redis_api_and_two_agents():
    assert set(SERVICES) >= {"redis", "api", "agent"}
    assert SERVICES["agent"]["deploy"]["replicas"] == 2


def test_compose_redis_keeps_an_append_only_file():
    assert "--appendonly" in SERVICES["redis"]["command"]
    assert SERVICES["redis"]["command"][SERVICES["redis"]["command"].index("--appendonly") + 1] == "yes"


@pytest.mark.parametrize("service", ["redis", "api", "agent"])
def test_compose_service_has_a_healthcheck(service):
    assert SERVICES[service]["healthcheck"]["test"]


def test_compose_agent_healthcheck_reads_the_heartbeat():
    assert SERVICES["agent"]["healthcheck"]["test"] == ["CMD", "python", "-m", "agent_service", "--check"]


@pytest.mark.parametrize("service", ["api", "agent"])
def test_compose_services_wait_for_a_healthy_redis(service):
    assert SERVICES[service]["depends_on"]["redis"]["condition"] == "service_healthy"


@pytest.mark.parametrize(("service", "settings"), [("api", GatewaySettings), ("agent", WorkerSettings)])
def test_compose_environment_names_real_settings(service, settings):
    for name in SERVICES[service].get("environment", {}):
        assert name.lower() in settings.model_fields, f"{service}: {name} is not a setting"


@pytest.mark.parametrize("dockerfile", ["Dockerfile.api", "Dockerfile.agent"])
def test_dockerfile_env_names_real_settings(dockerfile):
    settings = GatewaySettings if dockerfile == "Dockerfile.api" else WorkerSettings
    for word, rest in _instructions(dockerfile):
        if word == "ENV":
            for name in re.findall(r"([A-Z_]+)=", rest):
                if not name.startswith(("PIP_", "PYTHON")):
                    assert name.lower() in settings.model_fields, f"{dockerfile}: {name}"


def _documented(path: str) -> set[str]:
    return set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", (ROOT / path).read_text(), re.M))


def test_example_env_documents_every_setting_and_nothing_else():
    settings = {n.upper() for n in [*GatewaySettings.model_fields, *WorkerSettings.model_fields]}
    assert _documented("example.env") == settings


def test_readme_names_every_setting():
    readme = (ROOT / "README.md").read_text()
    settings = {n.upper() for n in [*GatewaySettings.model_fields, *WorkerSettings.model_fields]}
    assert {name for name in settings if f"`{name}`" not in readme} == set()
