# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Everything the platform stages render for the example inventories passes the offline checks."""

import os

import yaml

import checks
from conftest import rendered_files

STAGES = ("cert_manager", "gpu_operator", "network_operator")
# Stages that render files for each example inventory: the single H200 node has no RDMA fabric.
WITH_FILES = {
    "prod": STAGES,
    "prod-h100x8": STAGES,
    "h200x8-single": ("cert_manager", "gpu_operator"),
}


def _all(render_dir):
    return rendered_files(render_dir, "manifests"), rendered_files(render_dir, "values")


def _assert_manifests_valid(render_dir):
    manifests = _all(render_dir)[0]
    assert manifests, "nothing rendered under %s" % render_dir
    problems = []
    kinds = set()
    for path in manifests:
        docs = checks.load_documents(path)
        assert len(docs) == 1, "%s: one object per file, found %d" % (path, len(docs))
        doc = docs[0]
        kinds.add((doc["apiVersion"], doc["kind"]))
        versions = (checks.K8S_VERSIONS[0],) if checks.is_custom_resource(doc) else checks.K8S_VERSIONS
        for version in versions:
            for err in checks.validate_manifest(doc, version):
                problems.append("%s: %s" % (os.path.relpath(path, render_dir), err))
    assert problems == []
    return kinds


def _assert_values_known(render_dir):
    values_files = _all(render_dir)[1]
    assert values_files
    allowlist = checks.load_allowlist()
    problems = []
    for path in values_files:
        releases = yaml.safe_load(open(os.path.join(os.path.dirname(path), "releases.yaml")))["releases"]
        release = [r for r in releases if r["values_file"] == os.path.basename(path)][0]
        folder = checks.chart_folder(release["chart"])
        assert folder, "no reference values for chart %s in %s" % (release["chart"], checks.CHART_VALUES)
        ours = checks.load_documents(path)[0]
        problems += checks.check_values_keys(folder, ours, os.path.join(checks.CHART_VALUES, folder), allowlist)
    assert problems == []


def test_every_stage_rendered(rendered):
    inventory, render_dir = rendered
    present = sorted(d for d in os.listdir(render_dir) if os.path.isdir(os.path.join(render_dir, d)))
    assert present == sorted(STAGES)
    for stage in STAGES:
        has_files = bool(rendered_files(os.path.join(render_dir, stage), "values"))
        assert has_files == (stage in WITH_FILES[inventory]), "%s: stage %s rendered %s" % (
            inventory, stage, "Helm values" if has_files else "nothing")


def test_manifests_validate(rendered):
    kinds = _assert_manifests_valid(rendered[1])
    # Both validators were exercised: core kinds (kubernetes-validate) and custom resources (../shared/schemas).
    assert ("v1", "Namespace") in kinds and ("cert-manager.io/v1", "ClusterIssuer") in kinds


def test_values_keys_declared_by_the_charts(rendered):
    _assert_values_known(rendered[1])


def test_variant_manifests_and_values(rendered_variant):
    render_dir = rendered_variant[1]
    kinds = _assert_manifests_valid(render_dir)
    assert ("mellanox.com/v1alpha1", "NicClusterPolicy") in kinds
    assert ("cert-manager.io/v1", "Certificate") in kinds
    _assert_values_known(render_dir)


def test_pinned_chart_versions_equal_the_reference(rendered):
    assert checks.pinned_version_problems(rendered[1], rendered[0] + " ") == []


def _walk(root):
    for base, _dirs, files in os.walk(root):
        for name in files:
            yield os.path.join(base, name)


def test_policy_choices_are_in_the_rendered_files(rendered, rendered_variant):
    """The issue's defaults, read back from the files that would be applied."""
    inventory, render_dir = rendered
    gpu = checks.load_documents(os.path.join(render_dir, "gpu_operator", "helm", "gpu-operator.values.yaml"))[0]
    assert gpu["driver"]["enabled"] is False and gpu["toolkit"]["enabled"] is False
    assert gpu["dcgmExporter"]["enabled"] is True
    assert gpu["mig"]["strategy"] in ("none", "single", "mixed")
    cm = [checks.load_documents(p)[0] for p in rendered_files(render_dir, "manifests") if "configmap" in p][0]
    assert set(cm["data"]) == {"exclusive", "time-slicing", "mps"}
    assert yaml.safe_load(cm["data"]["mps"])["sharing"]["mps"]["resources"][0]["name"] == "nvidia.com/gpu"
    assert gpu["devicePlugin"]["config"]["name"] == cm["metadata"]["name"]

    variant = rendered_variant[1]
    certs = [checks.load_documents(p)[0] for p in rendered_files(variant, "manifests") if "-certificate-" in p]
    service_certs = [c for c in certs if not c["spec"].get("isCA")]
    assert {c["metadata"]["name"] for c in service_certs} == {"dify", "model-gateway"}
    for cert in service_certs:
        assert (cert["spec"]["duration"], cert["spec"]["renewBefore"]) == ("2160h", "720h")
        assert cert["spec"]["issuerRef"] == {"group": "cert-manager.io", "kind": "ClusterIssuer", "name": "privateai-ca"}
    policy = [checks.load_documents(p)[0] for p in rendered_files(variant, "manifests") if "nicclusterpolicy" in p][0]
    config = yaml.safe_load(policy["spec"]["sriovDevicePlugin"]["config"])
    # Only the InfiniBand devices of the rdma_facts list (the fabric is InfiniBand), by their PF netdevs.
    assert config["resourceList"][0]["selectors"]["pfNames"] == ["ibp24s0", "ibp41s0"]
    vgpu = checks.load_documents(os.path.join(variant, "gpu_operator", "helm", "gpu-operator.values.yaml"))[0]
    assert vgpu["devicePlugin"]["config"]["default"] == "mps"
    assert vgpu["operator"]["repository"] == "registry.example.internal:5000/nvcr.io/nvidia"


def test_render_is_deterministic(rendered, tmp_path):
    """The same inventory rendered again: into a fresh directory byte-identical files with the same modes,
    and into the same directory no change at all (changed=0)."""
    from conftest import run_playbook, tree
    inventory, render_dir = rendered
    first = tree(render_dir)
    again = str(tmp_path / "again")
    result = run_playbook(inventory, again)
    assert result.returncode == 0, result.stdout[-4000:]
    second = tree(again)
    assert sorted(first) == sorted(second)
    assert [p for p in first if first[p] != second[p]] == []
    result = run_playbook(inventory, render_dir)
    assert result.returncode == 0 and "changed=0" in result.stdout, result.stdout[-3000:]
    assert tree(render_dir) == first


def test_no_timestamps_or_absolute_paths_in_files(rendered):
    """What could make two renders differ, or leak the control node's layout into a GitOps repo."""
    render_dir = rendered[1]
    for path in _walk(render_dir):
        text = open(path).read()
        assert render_dir not in text, path
        assert "creationTimestamp" not in text, path


def test_secrets_only_on_request_mode_0600_and_stale_files_pruned(tmp_path):
    """The site's own CA (cert_manager_ca_source=provided) is the platform stage's secret."""
    from conftest import run_playbook
    (tmp_path / "ca.crt").write_text("-----BEGIN CERTIFICATE-----\nTEST-DOUBLE-NOT-A-CERT\n-----END CERTIFICATE-----\n")
    (tmp_path / "ca.key").write_text("-----BEGIN EC PRIVATE KEY-----\nTEST-DOUBLE-KEY-MATERIAL\n-----END EC PRIVATE KEY-----\n")
    ca = {"cert_manager_ca_source": "provided", "cert_manager_ca_cert_file": str(tmp_path / "ca.crt"),
          "cert_manager_ca_key_file": str(tmp_path / "ca.key")}
    render_dir = str(tmp_path / "render")
    result = run_playbook("prod", render_dir, ca)
    assert result.returncode == 0, result.stdout[-3000:]
    manifests = os.path.join(render_dir, "cert_manager", "manifests")
    assert not [n for n in os.listdir(manifests) if "-secret-" in n]
    assert "secret file(s) of stage cert_manager not rendered" in result.stdout
    assert not [n for n in os.listdir(manifests) if "issuer-privateai-selfsigned" in n]  # no self-signed root then
    stale = os.path.join(manifests, "99-configmap-left-over.yaml")
    open(stale, "w").write("---\n")

    result = run_playbook("prod", render_dir, ca, "privateai_render_secrets=true")
    assert result.returncode == 0, result.stdout[-3000:]
    secret = [os.path.join(manifests, n) for n in os.listdir(manifests) if "-secret-" in n]
    assert len(secret) == 1 and os.stat(secret[0]).st_mode & 0o777 == 0o600
    doc = checks.load_documents(secret[0])[0]
    assert checks.validate_manifest(doc) == [] and doc["type"] == "kubernetes.io/tls"
    import base64
    key_b64 = base64.b64encode((tmp_path / "ca.key").read_bytes()).decode()
    for text in ("TEST-DOUBLE-KEY-MATERIAL", key_b64, key_b64[:40]):
        assert text not in result.stdout + result.stderr  # written, never logged
    assert not os.path.exists(stale), "a file the stage no longer renders was left behind"
