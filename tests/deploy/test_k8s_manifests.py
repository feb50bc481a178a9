"""The Kubernetes manifests (deploy/k8s): every overlay renders with ``kubectl kustomize`` and every
object validates against the Kubernetes API schema; the objects every service needs are there;
the NetworkPolicies let each service be reached by its callers only; and no container leaves a
setting unset that its settings model requires.

kubernetes-validate knows the built-in kinds only. A custom resource (the RabbitMQ operator's
``RabbitmqCluster``) is skipped by name, and its fields are checked here against the operator's
CRD as written down below.
"""

from __future__ import annotations

import base64
import functools
import importlib
import re
import shutil
import subprocess
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import kubernetes_validate
import pytest
import yaml
from pydantic import AliasChoices
from pydantic.fields import FieldInfo

from svckit import cli
from svckit.settings import Settings

pytestmark = pytest.mark.deploy

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
OVERLAYS = ("dev", "production")
# The oldest Kubernetes the manifests are for (native gRPC probes are GA in 1.27) and the newest
# schema kubernetes-validate ships.
KUBERNETES_VERSIONS = ("1.27.0", kubernetes_validate.latest_version())
GRPC_SERVICES = {
    "catalog": 7051,
    "inventory": 7052,
    "booking": 7053,
    "payment": 7054,
    "waitingroom": 7055,
}
SERVICES = (*GRPC_SERVICES, "gateway")
# Who calls whom over gRPC, read from the code: each caller's *_ADDR settings.
CALLS = {
    ("gateway", "catalog"),
    ("gateway", "inventory"),
    ("gateway", "booking"),
    ("gateway", "payment"),
    ("booking", "catalog"),
    ("booking", "inventory"),
    ("catalog", "inventory"),
    ("payment", "booking"),
    ("gateway", "waitingroom"),
    ("inventory", "waitingroom"),
    ("waitingroom", "catalog"),
}
# Custom resources: (apiVersion, kind) → the spec fields the CRD defines (rabbitmq.com/v1beta1,
# cluster-operator 2.x) and the ones that must be set.
CUSTOM_RESOURCES = {
    ("rabbitmq.com/v1beta1", "RabbitmqCluster"): {
        "known": {
            "replicas",
            "image",
            "imagePullSecrets",
            "service",
            "persistence",
            "resources",
            "affinity",
            "tolerations",
            "rabbitmq",
            "tls",
            "override",
            "skipPostDeployStep",
            "terminationGracePeriodSeconds",
            "delayStartSeconds",
            "secretBackend",
            "autoEnableAllFeatureFlags",
        },
        "required": {"replicas"},
    },
}
QUANTITY = re.compile(r"^[0-9]+(\.[0-9]+)?(m|Ki|Mi|Gi|Ti|k|M|G|T)?$")

Object = dict[str, Any]


def _kubectl() -> str:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.fail("kubectl is not installed (.ci/run installs it; kustomize v5 is needed)")
    version = subprocess.run(
        [kubectl, "version", "--client"], capture_output=True, text=True, timeout=30, check=True
    ).stdout
    found = re.search(r"Kustomize Version: v(\d+)", version)
    if found is None or int(found.group(1)) < 5:
        pytest.fail(f"kubectl bundles kustomize older than v5 (kubectl ≥ 1.27 needed): {version}")
    return kubectl


@functools.cache
def render(overlay: str) -> tuple[Object, ...]:
    result = subprocess.run(
        [_kubectl(), "kustomize", str(K8S / "overlays" / overlay)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, f"kubectl kustomize {overlay} failed:\n{result.stderr}"
    return tuple(doc for doc in yaml.safe_load_all(result.stdout) if doc)


def objects(overlay: str, kind: str) -> dict[str, Object]:
    return {obj["metadata"]["name"]: obj for obj in render(overlay) if obj["kind"] == kind}


def one(overlay: str, kind: str, name: str) -> Object:
    found = objects(overlay, kind)
    assert name in found, f"{overlay}: no {kind} {name} (have {sorted(found)})"
    return found[name]


def containers(workload: Object) -> list[Object]:
    return list(workload["spec"]["template"]["spec"]["containers"])


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_object_of_the_overlay_validates_against_the_kubernetes_schema(overlay: str) -> None:
    problems = []
    custom = set()
    for obj in render(overlay):
        kind = (obj["apiVersion"], obj["kind"])
        if kind in CUSTOM_RESOURCES:
            custom.add(kind)
            continue
        for version in KUBERNETES_VERSIONS:
            try:
                kubernetes_validate.validate(obj, version, strict=True)
            except kubernetes_validate.ValidationError as error:
                problems.append(f"{obj['kind']}/{obj['metadata']['name']} ({version}): {error}")
    assert problems == []
    assert custom == ({next(iter(CUSTOM_RESOURCES))} if overlay == "production" else set())


def test_validation_is_strict_about_unknown_fields() -> None:
    deployment = one("dev", "Deployment", "inventory")
    typo = yaml.safe_load(yaml.safe_dump(deployment))
    containers(typo)[0]["readinessProbe"]["grpc"]["prot"] = 7052
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(typo, KUBERNETES_VERSIONS[0], strict=True)


def test_the_rabbitmq_cluster_has_the_fields_its_crd_requires() -> None:
    (cluster,) = (obj for obj in render("production") if obj["kind"] == "RabbitmqCluster")
    schema = CUSTOM_RESOURCES[(cluster["apiVersion"], cluster["kind"])]
    spec = cluster["spec"]
    assert re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", cluster["metadata"]["name"])
    assert cluster["metadata"]["namespace"] == "ticketing"
    assert schema["required"] <= set(spec) <= schema["known"]
    # Quorum queues need a majority: an odd number of nodes, three at least to lose one.
    assert isinstance(spec["replicas"], int) and spec["replicas"] >= 3 and spec["replicas"] % 2
    assert QUANTITY.match(spec["persistence"]["storage"])
    for section in ("requests", "limits"):
        assert all(QUANTITY.match(str(value)) for value in spec["resources"][section].values())
    # The services' broker policy and the operator's pod labels (name = the cluster's name).
    policy = one("production", "NetworkPolicy", "rabbitmq")
    assert policy["spec"]["podSelector"]["matchLabels"] == {
        "app.kubernetes.io/name": cluster["metadata"]["name"]
    }


def test_every_service_of_the_workspace_is_deployed() -> None:
    """A new context (services/<name>) needs its objects here before it can ship."""
    members = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["uv"]["workspace"]
    deployable = {
        Path(member).name
        for member in members["members"]
        if member.startswith("services/") or member == "gateway"
    }
    # The simulator plays the outside provider: the dev overlay runs it, production never does.
    assert deployable - {"payment_simulator"} == set(SERVICES)
    assert "simulator" in objects("dev", "Deployment")


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_service_has_its_deployment_services_budget_autoscaler_and_migration(
    overlay: str,
) -> None:
    for name in SERVICES:
        deployment = one(overlay, "Deployment", name)
        (container,) = containers(deployment)
        assert container["command"] == ["python", "-m", name, "serve"]
        assert {"requests", "limits"} <= set(container["resources"])
        probes = [container[probe] for probe in ("readinessProbe", "livenessProbe")]
        if name in GRPC_SERVICES:
            assert all(probe["grpc"]["port"] == GRPC_SERVICES[name] for probe in probes)
            ports = {port["name"]: port["containerPort"] for port in container["ports"]}
            assert ports["grpc"] == GRPC_SERVICES[name]
            service = one(overlay, "Service", name)
            assert service["spec"]["clusterIP"] == "None", f"{name}: Service must be headless"
        else:
            assert all(probe["httpGet"]["port"] == "http" for probe in probes)
            assert "clusterIP" not in one(overlay, "Service", name)["spec"]
        selector = deployment["spec"]["selector"]["matchLabels"]
        assert one(overlay, "PodDisruptionBudget", name)["spec"]["selector"]["matchLabels"] == (
            selector
        )
        hpa = one(overlay, "HorizontalPodAutoscaler", name)
        assert hpa["apiVersion"] == "autoscaling/v2"
        assert hpa["spec"]["scaleTargetRef"]["name"] == name
        assert [metric["resource"]["name"] for metric in hpa["spec"]["metrics"]] == ["cpu"]
        assert "replicas" not in deployment["spec"], f"{name}: the autoscaler owns replicas"
        if overlay == "dev":
            assert hpa["spec"]["minReplicas"] == hpa["spec"]["maxReplicas"] == 1
        else:
            assert hpa["spec"]["minReplicas"] >= 2
        job = one(overlay, "Job", f"{name}-migrate")
        assert containers(job)[0]["command"] == ["python", "-m", name, "migrate"]
        assert containers(job)[0]["image"] == container["image"]


def _secret_refs(container: Object) -> dict[str, tuple[str, str]]:
    return {
        env["name"]: (ref["name"], ref["key"])
        for env in container.get("env", [])
        if (ref := env.get("valueFrom", {}).get("secretKeyRef"))
    }


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_service_connects_to_postgresql_with_a_secret_of_its_own(overlay: str) -> None:
    secrets = objects(overlay, "Secret")
    for name in SERVICES:
        for workload in (one(overlay, "Deployment", name), one(overlay, "Job", f"{name}-migrate")):
            secret, key = _secret_refs(containers(workload)[0])["DATABASE_URL"]
            assert secret.startswith(f"{name}-secrets") and key == "DATABASE_URL"
            if overlay == "dev":  # production's Secrets are not in the repository
                url = base64.b64decode(secrets[secret]["data"][key]).decode()
                assert url.startswith(f"postgresql://{name}_svc:"), url
    if overlay == "production":
        assert secrets == {}, "no Secret (and no secret value) is committed for production"


def test_the_gateway_listens_on_the_database_inventory_notifies_on() -> None:
    """The seat stream: NOTIFY reaches only listeners of the same database."""

    def database(service: str) -> tuple[str | None, int | None, str]:
        (secret,) = (
            obj
            for name, obj in objects("dev", "Secret").items()
            if name.startswith(f"{service}-secrets")
        )
        url = urlsplit(base64.b64decode(secret["data"]["DATABASE_URL"]).decode())
        return url.hostname, url.port, url.path

    assert database("gateway") == database("inventory")


def test_the_dev_postgres_is_initialised_like_docker_compose() -> None:
    copied = (K8S / "overlays" / "dev" / "postgres-init.sql").read_text()
    assert copied == (ROOT / "deploy" / "postgres" / "init.sql").read_text()


def test_the_production_secrets_are_documented_key_by_key() -> None:
    docs = (ROOT / "docs" / "kubernetes.md").read_text()
    for workload in (
        *objects("production", "Deployment").values(),
        *objects("production", "Job").values(),
    ):
        for secret, key in _secret_refs(containers(workload)[0]).values():
            assert f"`{secret}`" in docs and f"`{key}`" in docs, (secret, key)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_service_addresses_name_a_headless_service_for_round_robin(overlay: str) -> None:
    services = objects(overlay, "Service")
    seen = 0
    for config in objects(overlay, "ConfigMap").values():
        for key, value in config.get("data", {}).items():
            if not key.endswith("_ADDR"):
                continue
            seen += 1
            target = re.fullmatch(r"dns:///([a-z-]+):(\d+)", value)
            assert target, f"{key}={value}: not a dns:///<service>:<port> target"
            service = services[target.group(1)]["spec"]
            assert service.get("clusterIP") == "None"
            assert int(target.group(2)) in {port["port"] for port in service["ports"]}
    assert seen == 11  # gateway 5, booking 2, catalog, payment, inventory, waitingroom 1 each


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_gateway_ingresses_route_the_site_and_the_webhook(overlay: str) -> None:
    def routes(name: str) -> list[tuple[str, str, str]]:
        rules = one(overlay, "Ingress", name)["spec"]["rules"]
        return [
            (path["path"], path["pathType"], path["backend"]["service"]["name"])
            for rule in rules
            for path in rule["http"]["paths"]
        ]

    assert routes("gateway") == [("/", "Prefix", "gateway")]
    assert routes("gateway-webhook") == [("/api/v1/payments/webhook", "Exact", "gateway")]


# --- the NetworkPolicy graph ----------------------------------------------------------------


def _matches(selector: Object, labels: dict[str, str]) -> bool:
    assert set(selector) <= {"matchLabels"}, f"only matchLabels are evaluated here: {selector}"
    return all(labels.get(key) == value for key, value in selector.get("matchLabels", {}).items())


def _pods(overlay: str) -> dict[str, tuple[dict[str, str], dict[str, int]]]:
    """Every workload's pod labels and named ports."""
    pods = {}
    for obj in render(overlay):
        if obj["kind"] in {"Deployment", "StatefulSet", "Job"}:
            template = obj["spec"]["template"]
            ports = {
                port["name"]: port["containerPort"]
                for container in template["spec"]["containers"]
                for port in container.get("ports", [])
                if "name" in port
            }
            pods[obj["metadata"]["name"]] = (template["metadata"]["labels"], ports)
    return pods


def _allows(
    rules: list[Object], peer: str, peer_labels: dict[str, str], port: int, named: dict[str, int]
) -> bool:
    for rule in rules:
        peers = rule.get("from", rule.get("to"))
        if peers is not None and not any(
            "podSelector" in entry
            and "namespaceSelector" not in entry
            and _matches(entry["podSelector"], peer_labels)
            for entry in peers
        ):
            continue
        ports = rule.get("ports")
        if ports is None or any(named.get(p["port"], p["port"]) == port for p in ports):
            return True
    return False


def _reachable(overlay: str, source: str, target: str, port: int) -> bool:
    pods = _pods(overlay)
    (source_labels, _), (target_labels, target_ports) = pods[source], pods[target]
    ingress_ok = egress_ok = True
    ingress_rules: list[Object] = []
    egress_rules: list[Object] = []
    for policy in objects(overlay, "NetworkPolicy").values():
        spec = policy["spec"]
        if _matches(spec["podSelector"], target_labels) and "Ingress" in spec["policyTypes"]:
            ingress_ok = False
            ingress_rules += spec.get("ingress", [])
        if _matches(spec["podSelector"], source_labels) and "Egress" in spec["policyTypes"]:
            egress_ok = False
            egress_rules += spec.get("egress", [])
    ingress_ok = ingress_ok or _allows(ingress_rules, source, source_labels, port, target_ports)
    egress_ok = egress_ok or _allows(egress_rules, target, target_labels, port, target_ports)
    return ingress_ok and egress_ok


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_service_is_reachable_from_its_callers_only(overlay: str) -> None:
    callers = (*SERVICES, *(f"{name}-migrate" for name in SERVICES))
    for target, port in GRPC_SERVICES.items():
        allowed = {source for source in callers if _reachable(overlay, source, target, port)}
        assert allowed == {caller for caller, callee in CALLS if callee == target}, target


def test_in_dev_only_the_services_reach_postgresql_rabbitmq_and_redis() -> None:
    pods = _pods("dev")
    for source in pods:
        database = _reachable("dev", source, "postgres", 5432)
        assert database == (source in {*SERVICES, *(f"{name}-migrate" for name in SERVICES)})
        broker = _reachable("dev", source, "rabbitmq", 5672)
        assert broker == (source in {"inventory", "booking", "payment"}), source
        assert _reachable("dev", source, "redis", 6379) == (source == "gateway"), source
    assert _reachable("dev", "payment", "simulator", 8010)
    assert _reachable("dev", "simulator", "gateway", 8001)
    assert not _reachable("dev", "simulator", "payment", 7054)


def test_every_ticketing_pod_starts_from_deny_all() -> None:
    for overlay in OVERLAYS:
        deny = one(overlay, "NetworkPolicy", "default-deny")["spec"]
        assert deny["policyTypes"] == ["Ingress", "Egress"] and "ingress" not in deny
        for name in SERVICES:
            labels = one(overlay, "Deployment", name)["spec"]["template"]["metadata"]["labels"]
            assert _matches(deny["podSelector"], labels), name


# --- every setting a process requires is set ------------------------------------------------

LOOPBACK = re.compile(r"127\.0\.0\.1|localhost")


def _settings_of(module: str, command: str) -> type[Settings]:
    """The settings class ``python -m <module> <command>`` reads: its ``__main__`` hands its
    commands to svckit.cli.main, which is stood in for here to catch them."""
    caught: dict[str, Any] = {}

    def catch(prog: str, commands: dict[str, Any], *args: Any, **kwargs: Any) -> int:
        caught.update(commands)
        return 0

    entry = importlib.import_module(f"{module}.__main__")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cli, "main", catch)
        entry.main([command])
    assert command in caught, f"python -m {module} has no command {command!r}"
    settings: type[Settings] = caught[command].settings
    return settings


def _names(field: FieldInfo, name: str) -> set[str]:
    alias = field.validation_alias
    if isinstance(alias, AliasChoices):
        return {str(choice) for choice in alias.choices}
    return {str(alias)} if alias else {name.upper()}


@functools.cache
def _code_of(module: str) -> str:
    """The code that reads a process's settings: its package and svckit, without the models."""
    packages = [
        Path(importlib.import_module(name).__file__ or "").parent for name in (module, "svckit")
    ]
    return "\n".join(
        path.read_text()
        for package in packages
        for path in sorted(package.rglob("*.py"))
        if path.name not in {"config.py", "settings.py"}
    )


def _required(module: str, settings: type[Settings]) -> dict[str, set[str]]:
    """The settings a cluster must set, by field: those without a default, and those whose
    default points at this machine (an address or URL on 127.0.0.1) if the process reads them
    (catalog inherits AMQP_URL from the shared model but never connects to RabbitMQ)."""
    return {
        name: _names(field, name)
        for name, field in settings.model_fields.items()
        if field.is_required()
        or (
            isinstance(field.default, str)
            and LOOPBACK.search(field.default)
            and re.search(rf"\.{name}\b", _code_of(module))
        )
    }


def _environment(overlay: str, container: Object) -> dict[str, str]:
    """Every variable the container gets and where from (env, ConfigMap or Secret)."""
    maps = objects(overlay, "ConfigMap")
    secrets = objects(overlay, "Secret")
    given = {env["name"]: "env" for env in container.get("env", [])}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            name = source["configMapRef"]["name"]
            given |= {key: name for key in maps[name].get("data", {})}
        if "secretRef" in source:
            name = source["secretRef"]["name"]
            given |= {key: name for key in secrets[name].get("data", {})}
    return given


def _processes(overlay: str) -> Iterator[tuple[str, Object, str, str]]:
    for obj in render(overlay):
        if obj["kind"] not in {"Deployment", "Job"}:
            continue
        for container in containers(obj):
            command = container.get("command", [])
            if command[:2] == ["python", "-m"]:
                module = command[2]
                yield obj["metadata"]["name"], container, module, (command[3:] or ["serve"])[0]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_process_gets_every_setting_its_model_requires(overlay: str) -> None:
    checked, unset = [], []
    for workload, container, module, command in _processes(overlay):
        settings = _settings_of(module, command)
        given = _environment(overlay, container)
        for field, names in _required(module, settings).items():
            if not names & set(given):
                unset.append(f"{workload}: {field} ({' or '.join(sorted(names))})")
        checked.append(workload)
    assert unset == []
    assert set(checked) >= {*SERVICES, *(f"{name}-migrate" for name in SERVICES)}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_variable_an_overlay_sets_is_a_setting_of_its_process(overlay: str) -> None:
    """A misspelt name would be ignored and the process would run on its default."""
    known_anywhere: set[str] = set()
    unknown = []
    for workload, container, module, command in _processes(overlay):
        settings = _settings_of(module, "serve" if command == "migrate" else command)
        known = set().union(*(_names(f, n) for n, f in settings.model_fields.items()))
        known_anywhere |= known
        for name, source in _environment(overlay, container).items():
            if source.startswith("ticketing-config"):
                continue  # every process's: checked against all of them below
            if name not in known:
                unknown.append(f"{workload}: {name} (from {source})")
    shared = objects(overlay, "ConfigMap")
    (common,) = (config for name, config in shared.items() if name.startswith("ticketing-config"))
    unknown += [
        f"ticketing-config: {name}" for name in common["data"] if name not in known_anywhere
    ]
    assert unknown == []


def _values(overlay: str, container: Object) -> dict[str, str]:
    """The environment the container starts with; a Secret the repository does not hold
    (production's) gives a stand-in value of the length a real secret would have."""
    maps = objects(overlay, "ConfigMap")
    secrets = objects(overlay, "Secret")

    def secret(name: str, key: str) -> str:
        if name in secrets:
            return base64.b64decode(secrets[name]["data"][key]).decode()
        return f"stand-in-for-{name}-{key}-0123456789abcdef"

    values: dict[str, str] = {}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            values |= maps[source["configMapRef"]["name"]].get("data", {})
        if "secretRef" in source:
            name = source["secretRef"]["name"]
            values |= {key: secret(name, key) for key in secrets[name]["data"]}
    for env in container.get("env", []):
        ref = env.get("valueFrom", {}).get("secretKeyRef")
        values[env["name"]] = secret(ref["name"], ref["key"]) if ref else env["value"]
    return values


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_process_starts_with_the_settings_the_overlay_gives_it(overlay: str) -> None:
    """Each process's own model reads its environment as rendered: values parse, validators
    pass (ENV=production with a JWT secret of its own, ports in range, known environments)."""
    problems = []
    for workload, container, module, command in _processes(overlay):
        try:
            _settings_of(module, command).from_env(_values(overlay, container))
        except Exception as error:  # the settings' ConfigError names the variable
            problems.append(f"{workload}: {error}")
    assert problems == []
