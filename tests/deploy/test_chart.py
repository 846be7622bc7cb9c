"""The Helm chart: rendered by Helm's engine, checked against Kubernetes' schemas,
linted, and refusing values its schema does not allow."""

from __future__ import annotations

import base64
import os
import re
from typing import Any

import helm_python as helm
import kubernetes_validate
import pytest
import yaml

from core.config import SETTINGS
from tests.deploy.chart import (
    CHART,
    PRODUCTION_VALUES,
    Manifest,
    objects,
    production_values,
    render,
)

# The oldest Kubernetes the chart claims (Chart.yaml kubeVersion) and the
# newest whose schemas kubernetes-validate ships.
KUBERNETES = ["1.25.0", kubernetes_validate.utils.latest_version()]
SECRET_VARIABLES = {
    "BINHYEN_SECRET_KEY",
    "BINHYEN_MASTER_KEY",
    "BINHYEN_OLD_MASTER_KEYS",
    "BINHYEN_DATABASE_URL",
    "BINHYEN_MIGRATION_DATABASE_URL",
    "BINHYEN_REDIS_URL",
    "BINHYEN_METRICS_TOKEN",
}


def chart_made_secret_values() -> dict[str, Any]:
    return {
        "secrets": {
            "existingSecret": "",
            "secretKey": base64.b64encode(os.urandom(36)).decode(),
            "masterKey": base64.b64encode(os.urandom(32)).decode(),
            "databaseUrl": "postgresql+psycopg://binhyen_app:pw@db/binhyen",
            "migrationDatabaseUrl": "postgresql+psycopg://binhyen_owner:pw@db/binhyen",
            "redisUrl": "redis://redis:6379/0",
            "metricsToken": "scrape-me",
        }
    }


VALUE_SETS = {
    "defaults": lambda: {},
    "production": production_values,
    "chart-made secret": chart_made_secret_values,
}


def pod_specs(manifests: list[Manifest]) -> list[tuple[str, Manifest]]:
    """Every pod template of every workload, named by its object."""
    found = []
    for obj in manifests:
        spec = obj.get("spec", {})
        if obj["kind"] in {"Deployment", "Job"}:
            found.append((obj["metadata"]["name"], spec["template"]["spec"]))
        elif obj["kind"] == "CronJob":
            template = spec["jobTemplate"]["spec"]["template"]
            found.append((obj["metadata"]["name"], template["spec"]))
    return found


def by_kind(manifests: list[Manifest], kind: str) -> dict[str, Manifest]:
    return {o["metadata"]["name"]: o for o in manifests if o["kind"] == kind}


@pytest.mark.parametrize("values", VALUE_SETS)
def test_every_rendered_manifest_is_valid_kubernetes(values: str) -> None:
    manifests = objects(render(VALUE_SETS[values]()))
    assert len(manifests) >= 10
    for version in KUBERNETES:
        for obj in manifests:
            try:
                kubernetes_validate.validate(obj, version, strict=True)
            except kubernetes_validate.ValidationError as error:
                where = ".".join(str(p) for p in error.path)
                pytest.fail(
                    f"{obj['kind']} {obj['metadata']['name']} is not valid "
                    f"Kubernetes {version}: {where}: {error.message}"
                )


def test_defaults_give_web_worker_scheduler_migration_and_the_rest() -> None:
    manifests = objects(render())
    kinds = {(o["kind"], o["metadata"]["name"]) for o in manifests}
    assert {
        ("Deployment", "binhyen-web"),
        ("Deployment", "binhyen-worker"),
        ("Deployment", "binhyen-scheduler"),
        ("Job", "binhyen-migrate"),
        ("Service", "binhyen"),
        ("ConfigMap", "binhyen"),
        ("HorizontalPodAutoscaler", "binhyen-web"),
        ("PodDisruptionBudget", "binhyen-web"),
        ("PodDisruptionBudget", "binhyen-worker"),
        ("NetworkPolicy", "binhyen-web"),
        ("CronJob", "binhyen-audit-verify"),
    } <= kinds
    # PostgreSQL and Redis are outside, and so are the keys by default.
    assert not any(o["kind"] == "StatefulSet" for o in manifests)
    assert not any(o["kind"] == "Secret" for o in manifests)
    assert not any(o["kind"] == "Ingress" for o in manifests)


def test_production_values_give_a_tls_ingress_and_autoscaled_workers() -> None:
    manifests = objects(render(production_values()))
    ingress = by_kind(manifests, "Ingress")["binhyen"]
    assert ingress["spec"]["tls"][0]["secretName"] == "binhyen-phutho-tls"
    assert ingress["spec"]["ingressClassName"] == "nginx"
    hpas = by_kind(manifests, "HorizontalPodAutoscaler")
    assert hpas["binhyen-worker"]["spec"]["maxReplicas"] == 6
    budgets = by_kind(manifests, "PodDisruptionBudget")
    assert budgets["binhyen-web"]["spec"] == {
        "minAvailable": 2,
        "selector": budgets["binhyen-web"]["spec"]["selector"],
    }
    deployments = by_kind(manifests, "Deployment")
    # An autoscaled Deployment leaves its replica count to the autoscaler.
    assert "replicas" not in deployments["binhyen-web"]["spec"]
    egress = by_kind(manifests, "NetworkPolicy")["binhyen-egress"]["spec"]["egress"]
    assert {"port": 53, "protocol": "UDP"} in egress[0]["ports"]


def test_every_pod_runs_unprivileged_on_a_read_only_root_with_a_tmp_folder() -> None:
    manifests = objects(render(production_values()))
    specs = pod_specs(manifests)
    assert len(specs) == 5  # web, worker, scheduler, migration, audit verify
    for name, spec in specs:
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["securityContext"]["runAsUser"] > 0, name
        assert spec["automountServiceAccountToken"] is False, name
        tmp = {v["name"]: v for v in spec["volumes"]}["tmp"]
        assert "emptyDir" in tmp, name
        for container in spec["containers"]:
            context = container["securityContext"]
            assert context["readOnlyRootFilesystem"] is True, name
            assert context["allowPrivilegeEscalation"] is False, name
            assert context["capabilities"]["drop"] == ["ALL"], name
            assert {"name": "tmp", "mountPath": "/tmp"} in container["volumeMounts"]
            assert container["resources"]["limits"]["memory"], name


def test_web_probes_ask_healthz_and_readyz() -> None:
    web = by_kind(objects(render()), "Deployment")["binhyen-web"]
    container = web["spec"]["template"]["spec"]["containers"][0]
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["command"][:3] == [
        "gunicorn",
        "--config",
        "python:core.gunicorn_conf",
    ]


def test_migrations_run_as_a_hook_before_install_and_upgrade() -> None:
    job = by_kind(objects(render()), "Job")["binhyen-migrate"]
    annotations = job["metadata"]["annotations"]
    assert annotations["helm.sh/hook"] == "pre-install,pre-upgrade"
    container = job["spec"]["template"]["spec"]["containers"][0]
    assert container["command"] == ["binhyen", "db", "upgrade"]


@pytest.mark.parametrize("values", VALUE_SETS)
def test_only_the_migration_job_gets_the_owners_database_url(values: str) -> None:
    manifests = objects(render(VALUE_SETS[values]()))
    specs = list(pod_specs(manifests))
    # Web, worker, scheduler and the migration job, at the least.
    assert len(specs) >= 4
    assert sum(name.endswith("migrate") for name, _spec in specs) == 1
    for name, spec in specs:
        env = {e["name"] for c in spec["containers"] for e in c.get("env", [])}
        assert "BINHYEN_DATABASE_URL" in env, name
        assert ("BINHYEN_MIGRATION_DATABASE_URL" in env) == name.endswith("migrate")


def test_a_chart_made_secret_holds_the_keys_and_a_hook_copy_for_migrations() -> None:
    manifests = objects(render(chart_made_secret_values()))
    secrets = by_kind(manifests, "Secret")
    assert "BINHYEN_MIGRATION_DATABASE_URL" not in secrets["binhyen"]["stringData"]
    migration = secrets["binhyen-migration"]
    assert "BINHYEN_MIGRATION_DATABASE_URL" in migration["stringData"]
    assert (
        "hook-succeeded"
        in migration["metadata"]["annotations"]["helm.sh/hook-delete-policy"]
    )
    job = by_kind(manifests, "Job")["binhyen-migrate"]
    refs = {
        e["valueFrom"]["secretKeyRef"]["name"]
        for e in job["spec"]["template"]["spec"]["containers"][0]["env"]
        if "valueFrom" in e
    }
    assert refs == {"binhyen-migration"}


@pytest.mark.parametrize("values", VALUE_SETS)
def test_every_setting_the_chart_passes_is_one_the_app_declares(values: str) -> None:
    manifests = objects(render(VALUE_SETS[values]()))
    declared = {s.env_var for s in SETTINGS} | {"PROMETHEUS_MULTIPROC_DIR"}
    config = by_kind(manifests, "ConfigMap")["binhyen"]["data"]
    assert set(config) <= declared
    assert not set(config) & SECRET_VARIABLES
    for _name, spec in pod_specs(manifests):
        for container in spec["containers"]:
            assert {e["name"] for e in container.get("env", [])} <= declared


@pytest.mark.parametrize("values", ["defaults", "production"])
def test_helm_lint_finds_no_error(values: str) -> None:
    report = helm.lint(CHART, VALUE_SETS[values](), strict=True)
    errors = [m for m in report["messages"] if m["severity"] >= 2]
    # Helm's one remaining remark is that the chart has no icon, an info.
    assert errors == [], errors
    assert report["errors"] == []


@pytest.mark.parametrize(
    ("values", "complaint"),
    [
        ({"web": {"wokers": 4}}, "additional properties 'wokers'"),
        ({"web": {"workers": 0}}, "/web/workers"),
        ({"web": {"workerClass": "gevent"}}, "/web/workerClass"),
        ({"config": {"logFormat": "xml"}}, "/config/logFormat"),
        ({"config": {"extra": {"BINHYEN_MASTER_KEY": "x"}}}, "BINHYEN_MASTER_KEY"),
        ({"config": {"extra": {"DEBUG": "1"}}}, "DEBUG"),
        ({"secrets": {"existingSecret": ""}}, "/secrets/masterKey"),
        ({"secrets": {"masterKey": "not-a-key"}}, "/secrets/masterKey"),
        ({"image": {"pullPolicy": "Sometimes"}}, "/image/pullPolicy"),
        ({"podSecurityContext": {"runAsNonRoot": False}}, "runAsNonRoot"),
        ({"securityContext": {"allowPrivilegeEscalation": True}}, "Escalation"),
        ({"auditVerify": {"schedule": "nightly"}}, "/auditVerify/schedule"),
        ({"ingress": {"hosts": []}}, "/ingress/hosts"),
    ],
)
def test_values_the_schema_forbids_are_refused_naming_the_value(
    values: dict[str, Any], complaint: str
) -> None:
    with (
        helm.Chart.load(CHART) as chart,
        pytest.raises(helm.HelmValuesError) as refused,
    ):
        chart.validate_schema(values)
    assert complaint in str(refused.value)
    with pytest.raises(helm.HelmValuesError):
        render(values)  # an install refuses them too
    report = helm.lint(CHART, values)
    assert any(m["severity"] == 3 for m in report["messages"])


def test_production_values_file_passes_the_schema() -> None:
    with helm.Chart.load(CHART) as chart:
        chart.validate_schema(yaml.safe_load(PRODUCTION_VALUES.read_text()))


def test_every_value_is_described_in_the_charts_readme() -> None:
    readme = (CHART / "README.md").read_text()
    documented = set(re.findall(r"^\| `([^`]+)` \|", readme, flags=re.MULTILINE))

    def leaves(tree: dict[str, Any], prefix: str = "") -> list[str]:
        found = []
        for key, value in tree.items():
            path = prefix + key
            if (
                isinstance(value, dict)
                and value
                and not path.endswith(
                    (
                        "Selector",
                        "annotations",
                        "Annotations",
                        "extra",
                        "resources",
                        "ecurityContext",
                    )
                )
            ):
                found += leaves(value, path + ".")
            else:
                found.append(path)
        return found

    values = yaml.safe_load((CHART / "values.yaml").read_text())
    missing = [path for path in leaves(values) if path not in documented]
    assert missing == [], f"helm/binhyen/README.md does not describe {missing}"
