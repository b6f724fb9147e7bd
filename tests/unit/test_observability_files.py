"""The observability deployment (deploy/prometheus/, deploy/grafana/, the compose `observability` profile)
scrapes what the services serve, and its dashboard asks only for metrics the code defines.

No Prometheus or Grafana runs here: the files are read, and the metric names are collected from the
registries the services build, so renaming a metric without its panel fails the suite.
"""

from __future__ import annotations

import inspect
import json
import re
from pathlib import Path

import fakeredis
import pytest
import yaml

from agent_service.metrics import WorkerMetrics
from backend.metrics import GatewayMetrics
from backend.routes import chat
from backend.routes.metrics import _Fleet

ROOT = Path(__file__).resolve().parents[2]
PROMETHEUS = yaml.safe_load((ROOT / "deploy" / "prometheus" / "prometheus.yml").read_text())
GRAFANA = ROOT / "deploy" / "grafana"
DASHBOARD = json.loads((GRAFANA / "dashboards" / "agent-stream.json").read_text())
SERVICES = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
METRIC = re.compile(r"\b(?:agent_stream|gen_ai)_\w+")
LABELS = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)|\{[^}]*\}")
"""Where PromQL names labels, not metrics (the GenAI labels start with gen_ai_ too)."""
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count"), "gauge": ("",)}


def _jobs() -> dict[str, dict]:
    return {job["job_name"]: job for job in PROMETHEUS["scrape_configs"]}


def _exprs() -> list[tuple[str, str]]:
    return [
        (panel["title"], target["expr"])
        for panel in DASHBOARD["panels"]
        for target in panel.get("targets", [])
    ]


def _families() -> dict[str, str]:
    """Every metric family the gateway and a worker expose, by name: its type."""
    worker = WorkerMetrics()
    # every value the worker reads at scrape time, whichever they are: a zero, and the queue from Redis
    read = {name: (lambda: 0) for name in inspect.signature(worker.watch).parameters}
    worker.watch(**{**read, "sync": fakeredis.FakeRedis()})
    families = [
        *GatewayMetrics().registry.collect(),
        *_Fleet({"up": 0, "down": 0}, 0).collect(),
        *worker.registry.collect(),
    ]
    return {family.name: family.type for family in families}


def _served(family: str, kind: str) -> set[str]:
    """The series names Prometheus stores for a family: its name + the suffixes its type adds."""
    return {family + suffix for suffix in SUFFIXES[kind]}


def _queried() -> dict[str, set[str]]:
    """Panel title → the metric names its expressions read."""
    out: dict[str, set[str]] = {}
    for title, expr in _exprs():
        out.setdefault(title, set()).update(METRIC.findall(LABELS.sub(" ", expr)))
    return out


def test_prometheus_scrapes_the_gateway_metrics_route():
    gateway = next(job for job in _jobs().values() if "static_configs" in job)
    assert gateway["metrics_path"] == "/metrics"
    assert [t for c in gateway["static_configs"] for t in c["targets"]] == ["api:8000"]
    assert any(port.endswith(":8000") for port in SERVICES["api"]["ports"])


def test_prometheus_scrapes_every_worker_replica_on_its_metrics_port():
    worker = next(job for job in _jobs().values() if "dns_sd_configs" in job)
    (sd,) = worker["dns_sd_configs"]
    assert (sd["names"], sd["type"]) == (["agent"], "A")
    assert sd["port"] == int(SERVICES["agent"]["environment"]["WORKER_METRICS_PORT"])
    assert SERVICES["agent"]["environment"]["WORKER_METRICS_HOST"] == "0.0.0.0"


def test_prometheus_scrapes_every_15_seconds():
    assert PROMETHEUS["global"]["scrape_interval"] == "15s"
    assert all("scrape_interval" not in job for job in _jobs().values())


@pytest.mark.parametrize("service", ["prometheus", "grafana"])
def test_observability_services_start_only_with_their_profile(service):
    assert SERVICES[service]["profiles"] == ["observability"]


def test_a_plain_compose_up_starts_redis_the_gateway_and_the_workers_only():
    assert {name for name, service in SERVICES.items() if "profiles" not in service} == {
        "redis",
        "api",
        "agent",
    }


def _mounts(service: str) -> dict[Path, str]:
    out = {}
    for volume in SERVICES[service]["volumes"]:
        source, target = volume.split(":")[:2]
        out[(ROOT / source).resolve()] = target
    return out


def test_prometheus_mounts_the_scrape_config():
    assert SERVICES["prometheus"]["image"].startswith("prom/prometheus")
    config = (ROOT / "deploy" / "prometheus" / "prometheus.yml").resolve()
    assert _mounts("prometheus")[config] == "/etc/prometheus/prometheus.yml"


def test_grafana_mounts_the_provisioning_and_the_dashboard_its_provider_loads():
    assert SERVICES["grafana"]["image"].startswith("grafana/grafana")
    mounts = _mounts("grafana")
    assert mounts[(GRAFANA / "provisioning").resolve()] == "/etc/grafana/provisioning"
    providers = yaml.safe_load((GRAFANA / "provisioning" / "dashboards" / "agent-stream.yml").read_text())
    (provider,) = providers["providers"]
    assert mounts[(GRAFANA / "dashboards").resolve()] == provider["options"]["path"]


def test_grafana_is_open_to_anonymous_viewers_on_port_3000():
    env = SERVICES["grafana"]["environment"]
    assert (env["GF_AUTH_ANONYMOUS_ENABLED"], env["GF_AUTH_ANONYMOUS_ORG_ROLE"]) == ("true", "Viewer")
    assert "3000:3000" in SERVICES["grafana"]["ports"]


def test_every_panel_queries_the_provisioned_datasource():
    sources = yaml.safe_load((GRAFANA / "provisioning" / "datasources" / "prometheus.yml").read_text())
    (source,) = sources["datasources"]
    assert source["url"] == "http://prometheus:9090"
    for panel in DASHBOARD["panels"]:
        for target in [panel, *panel.get("targets", [])]:
            if "datasource" in target:
                assert target["datasource"]["uid"] == source["uid"], panel["title"]


def test_every_metric_a_panel_queries_is_one_the_services_serve():
    served = set().union(*(_served(name, kind) for name, kind in _families().items()))
    unknown = {(title, name) for title, names in _queried().items() for name in names - served}
    assert unknown == set()


def test_every_metric_the_services_serve_has_a_panel():
    queried = set().union(*_queried().values())
    assert {name for name, kind in _families().items() if not _served(name, kind) & queried} == set()


def test_every_route_a_panel_filters_on_is_a_gateway_route():
    routes = {route.path for route in chat.router.routes}
    for title, expr in _exprs():
        for route in re.findall(r'route="([^"]+)"', expr):
            assert route in routes, title
