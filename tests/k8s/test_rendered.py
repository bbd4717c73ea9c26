# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Everything the Kubernetes stages render for the example inventories passes the offline checks: every manifest,
every values key, and every Helm release rendered through its real upstream chart with exactly our values file."""

import os

import yaml

import chart_render
import checks
from conftest import EMPTY_STAGES, STAGES, releases, rendered_files

# Kinds each render must produce through the real charts (so a release silently rendering nothing, or a stage
# dropping a release, fails): {render name: {(apiVersion, kind, name)}}; the objects our values switch on.
EXPECTED_OBJECTS = {
    "prod": {("nvidia.com/v1", "ClusterPolicy", "cluster-policy"), ("apps/v1", "Deployment", "cert-manager"),
             ("apps/v1", "Deployment", "network-operator"), ("apps/v1", "Deployment", "lws-controller-manager")},
    "h200x8-single": {("nvidia.com/v1", "ClusterPolicy", "cluster-policy"), ("apps/v1", "Deployment", "cert-manager")},
    "prod-h100x8": {("nvidia.com/v1", "ClusterPolicy", "cluster-policy"), ("apps/v1", "Deployment", "network-operator"),
                    ("apps/v1", "Deployment", "lws-controller-manager")},
    "prod-h100x8+variant": {("nvidia.com/v1", "ClusterPolicy", "cluster-policy"),
                            ("apps/v1", "Deployment", "network-operator"),
                            ("apps/v1", "Deployment", "lws-controller-manager")},
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
        kinds.add((docs[0]["apiVersion"], docs[0]["kind"]))
        problems += chart_render.validate_objects(docs, os.path.relpath(path, render_dir))
    assert problems == []
    return kinds


def test_every_stage_rendered(rendered):
    name, render_dir = rendered
    present = sorted(d for d in os.listdir(render_dir) if os.path.isdir(os.path.join(render_dir, d)))
    assert present == sorted(STAGES)
    for stage in STAGES:
        has_files = bool(rendered_files(os.path.join(render_dir, stage), "values"))
        assert has_files == (stage not in EMPTY_STAGES.get(name, ())), "%s: stage %s rendered %s" % (
            name, stage, "Helm values" if has_files else "nothing")


def test_manifests_validate(rendered):
    kinds = _assert_manifests_valid(rendered[1])
    # Both validators were exercised: core kinds (kubernetes-validate) and custom resources (../shared/schemas).
    assert ("v1", "Namespace") in kinds and ("cert-manager.io/v1", "ClusterIssuer") in kinds
    if rendered[0] == "prod-h100x8+variant":
        assert ("mellanox.com/v1alpha1", "NicClusterPolicy") in kinds
        assert ("cert-manager.io/v1", "Certificate") in kinds


def test_values_keys_declared_by_the_charts(rendered):
    allowlist = checks.load_allowlist()
    problems = []
    found = releases(rendered[1])
    assert found, "no Helm release rendered"
    for _stage, release, values in found:
        folder = checks.chart_folder(release["chart"])
        assert folder, "no reference values for chart %s in %s" % (release["chart"], checks.CHART_VALUES)
        problems += checks.check_values_keys(folder, values, os.path.join(checks.CHART_VALUES, folder), allowlist)
    assert problems == []


def test_releases_render_through_the_real_charts(rendered):
    """helm template, in process, of every release with exactly our values file; every object it renders valid."""
    name, render_dir = rendered
    found = releases(render_dir)
    assert {r["name"] for _s, r, _v in found} >= {"cert-manager", "gpu-operator"}
    problems, rendered_ids = [], set()
    for stage, release, values in found:
        objects, release_problems = chart_render.render_and_validate(release, values)
        problems += ["%s %s: %s" % (name, stage, p) for p in release_problems]
        assert objects or release_problems, "release %s rendered no object" % release["name"]
        rendered_ids |= {(o.get("apiVersion"), o.get("kind"), (o.get("metadata") or {}).get("name")) for o in objects}
    assert problems == []
    assert EXPECTED_OBJECTS[name] <= rendered_ids, EXPECTED_OBJECTS[name] - rendered_ids


def test_our_values_reach_the_rendered_objects(renders):
    """What we set is what the chart renders (our values are not silently ignored), read from the objects."""
    objects = {}
    for _stage, release, values in releases(renders["prod-h100x8+variant"]):
        objects[release["name"]] = chart_render.render_release(release, values)
    policy = [o for o in objects["gpu-operator"] if o["kind"] == "ClusterPolicy"][0]["spec"]
    assert policy["driver"]["enabled"] is False and policy["toolkit"]["enabled"] is False
    assert policy["devicePlugin"]["config"]["default"] == "mps"
    assert policy["hostPaths"]["kubeletRootDir"] == "/var/lib/k0s/kubelet"  # the allowlisted key does reach it
    assert policy["dcgmExporter"]["serviceMonitor"]["interval"] == "30s"  # gpu_operator_values_extra
    operator = [o for o in objects["gpu-operator"] if o["kind"] == "Deployment" and o["metadata"]["name"] == "gpu-operator"][0]
    assert operator["spec"]["template"]["spec"]["containers"][0]["image"].startswith("registry.example.internal:5000/nvcr.io/nvidia/")
    cert_manager = [o for o in objects["cert-manager"] if o["kind"] == "Deployment" and o["metadata"]["name"] == "cert-manager"][0]
    assert cert_manager["spec"]["replicas"] == 2
    assert cert_manager["spec"]["template"]["spec"]["containers"][0]["image"].startswith("registry.example.internal:5000/")
    lws = [o for o in objects["lws"] if o["kind"] == "Deployment"][0]["spec"]["template"]["spec"]
    assert lws["containers"][0]["image"] == "registry.example.internal:5000/lws/lws:v0.10.0"  # the controller's mirror


def test_chart_crds_parse(renders):
    """The CRDs the charts carry in crds/ (which Helm installs before the templates) parse and validate."""
    for _stage, release, _values in releases(renders["prod-h100x8"]):
        crds = chart_render.release_crds(release)
        assert chart_render.validate_objects(crds, "release %s crds/" % release["name"]) == []
        if release["chart"] == "gpu-operator":
            assert "clusterpolicies.nvidia.com" in {c["metadata"]["name"] for c in crds}


def test_pinned_chart_versions_equal_the_reference(rendered):
    assert checks.pinned_version_problems(rendered[1], rendered[0] + " ") == []


def _walk(root):
    for base, _dirs, files in os.walk(root):
        for name in files:
            yield os.path.join(base, name)


def test_policy_choices_are_in_the_rendered_files(rendered, renders):
    """The issue's defaults, read back from the files that would be applied."""
    render_dir = rendered[1]
    gpu = checks.load_documents(os.path.join(render_dir, "gpu_operator", "helm", "gpu-operator.values.yaml"))[0]
    assert gpu["driver"]["enabled"] is False and gpu["toolkit"]["enabled"] is False
    assert gpu["dcgmExporter"]["enabled"] is True
    assert gpu["mig"]["strategy"] in ("none", "single", "mixed")
    # The GPU Operator's device plugin ConfigMap (other stages render ConfigMaps too).
    cm = [checks.load_documents(p)[0] for p in rendered_files(os.path.join(render_dir, "gpu_operator"), "manifests")
          if "configmap" in p][0]
    assert set(cm["data"]) == {"exclusive", "time-slicing", "mps"}
    assert yaml.safe_load(cm["data"]["mps"])["sharing"]["mps"]["resources"][0]["name"] == "nvidia.com/gpu"
    assert gpu["devicePlugin"]["config"]["name"] == cm["metadata"]["name"]

    variant = renders["prod-h100x8+variant"]
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


def test_render_is_deterministic(renders):
    """One inventory (conftest.AGAIN says which) rendered twice at the same time into two
    directories: byte-identical files with the same modes; then again into the first directory: no change at
    all (changed=0). The render code is the same for every inventory, so one is enough here."""
    from conftest import AGAIN, RENDERS, run_playbook, tree
    inventory, extra = RENDERS[AGAIN]
    render_dir = renders[AGAIN]
    first = tree(render_dir)
    second = tree(renders[AGAIN + " again"])
    assert first and sorted(first) == sorted(second)
    assert [p for p in first if first[p] != second[p]] == []
    result = run_playbook(inventory, render_dir, *extra)
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
