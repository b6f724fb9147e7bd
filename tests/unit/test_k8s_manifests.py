"""deploy/k8s/ against the Kubernetes OpenAPI schemas (kubernetes-validate ships them; strict: an unknown
field is an error) and against our own rules: every Deployment has probes wired to real endpoints,
resources and a PodDisruptionBudget, and a grace period that outlasts the drain its service's Settings
defaults describe. KEDA's ScaledObject is a CRD the package has no schema for: checked structurally."""

from __future__ import annotations

import re
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from agent_service.config import Settings as WorkerSettings
from backend.config import Settings as GatewaySettings
from contract import keys

K8S = Path(__file__).resolve().parents[2] / "deploy" / "k8s"
KUBE_VERSION = "1.30"


def _docs() -> list[dict]:
    return [d for p in sorted(K8S.glob("*.yaml")) for d in yaml.safe_load_all(p.read_text()) if d]


def _of_kind(kind: str) -> dict[str, dict]:
    return {d["metadata"]["name"]: d for d in _docs() if d["kind"] == kind}


def _container(deployment: dict) -> dict:
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    return container


@pytest.mark.parametrize("doc", [d for d in _docs() if d["kind"] != "ScaledObject"], ids=lambda d: d["kind"])
def test_every_builtin_resource_matches_the_kubernetes_schema(doc):
    kubernetes_validate.validate(doc, KUBE_VERSION, strict=True)


def test_every_deployment_has_probes_resources_and_a_pod_disruption_budget():
    budgets = [p["spec"]["selector"]["matchLabels"] for p in _of_kind("PodDisruptionBudget").values()]
    for name, deployment in _of_kind("Deployment").items():
        container = _container(deployment)
        assert container.get("livenessProbe"), name
        assert {"cpu", "memory"} <= set(container["resources"]["requests"]), name
        assert {"cpu", "memory"} <= set(container["resources"]["limits"]), name
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert any(labels.items() >= sel.items() for sel in budgets), f"{name} has no PodDisruptionBudget"


def test_gateway_probes_are_the_live_and_ready_routes():
    from backend.routes import health

    paths = {route.path for route in health.router.routes}
    gateway = _container(_of_kind("Deployment")["agent-gateway"])
    assert gateway["livenessProbe"]["httpGet"]["path"] == "/ai/api/health/live" in paths
    assert gateway["readinessProbe"]["httpGet"]["path"] == "/ai/api/health/ready" in paths


def test_worker_liveness_is_the_heartbeat_check():
    worker = _container(_of_kind("Deployment")["agent-worker"])
    assert worker["livenessProbe"]["exec"]["command"] == ["python", "-m", "agent_service", "--check"]


def _env(name: str) -> float:
    return float(_of_kind("ConfigMap")["agent-stream-config"]["data"][name])


def test_gateway_grace_period_outlasts_prestop_and_the_drain():
    gateway = _of_kind("Deployment")["agent-gateway"]
    defaults = GatewaySettings(api_keys="k")
    delay = max(defaults.shutdown_delay_s, _env("SHUTDOWN_DELAY_S"))
    graceful = max(defaults.graceful_timeout_s, _env("GRACEFUL_TIMEOUT_S"))
    (sleep_s,) = [int(a) for a in _container(gateway)["lifecycle"]["preStop"]["exec"]["command"][1:]]
    assert gateway["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] > sleep_s + delay + graceful


def test_worker_grace_period_outlasts_the_drain():
    worker = _of_kind("Deployment")["agent-worker"]
    drain = max(WorkerSettings().drain_timeout_s, _env("DRAIN_TIMEOUT_S"))
    assert worker["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] > drain + 10


def test_keda_scales_workers_on_the_task_queue_length():
    (scaled,) = _of_kind("ScaledObject").values()
    assert scaled["apiVersion"] == "keda.sh/v1alpha1"
    assert scaled["spec"]["scaleTargetRef"]["name"] in _of_kind("Deployment")
    (trigger,) = scaled["spec"]["triggers"]
    assert trigger["type"] == "redis"
    assert trigger["metadata"]["listName"] == keys.TASK_QUEUE
    assert re.fullmatch(r"\d+", trigger["metadata"]["listLength"])


def test_gateway_hpa_targets_the_gateway_deployment():
    (hpa,) = _of_kind("HorizontalPodAutoscaler").values()
    assert hpa["spec"]["scaleTargetRef"]["name"] == "agent-gateway"
    assert hpa["spec"]["minReplicas"] >= 2


def test_every_scraped_pod_points_prometheus_at_a_port_its_container_serves():
    for name, deployment in _of_kind("Deployment").items():
        annotations = deployment["spec"]["template"]["metadata"]["annotations"]
        assert annotations["prometheus.io/scrape"] == "true", name
        assert annotations["prometheus.io/path"] == "/metrics", name
        ports = {port["containerPort"] for port in _container(deployment)["ports"]}
        assert int(annotations["prometheus.io/port"]) in ports, name


def test_worker_serves_its_metrics_on_the_named_metrics_port():
    worker = _container(_of_kind("Deployment")["agent-worker"])
    env = {var["name"]: var["value"] for var in worker["env"]}
    (port,) = [port["containerPort"] for port in worker["ports"] if port["name"] == "metrics"]
    assert int(env["WORKER_METRICS_PORT"]) == port
    assert env["WORKER_METRICS_HOST"] == "0.0.0.0"


def test_every_configured_variable_is_a_setting_of_one_of_the_services():
    fields = set(GatewaySettings.model_fields) | set(WorkerSettings.model_fields)
    env = {**_of_kind("ConfigMap")["agent-stream-config"]["data"]}
    env.update(_of_kind("Secret")["agent-stream-secrets"]["stringData"])
    containers = [_container(deployment) for deployment in _of_kind("Deployment").values()]
    env.update({var["name"]: var["value"] for container in containers for var in container.get("env", [])})
    assert {name for name in env if name.lower() not in fields} == set()
