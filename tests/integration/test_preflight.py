"""The whole-inventory preflight (playbooks/preflight.yml, first in site.yml): one bad value per stage, all reported
in one run, grouped by stage, before any task of any host stage ran.

Two throwaway lab nodes (podman connection) with the lab's settings (render mode: no cluster is needed), so the
host checks (reachable, OS, clock, disk, names) really run on a node.
"""

import os
import re
import sys

import yaml

from conftest import REPO, run_playbook

LAB_VARS = os.path.join(REPO, "inventories", "lab", "group_vars", "all.yml")
CHRONY_CONF = "/etc/chrony/conf.d/privateai.conf"

# One bad value per stage: (stage, variable, value, what the message says)
BAD = [
    ("host_baseline", "host_baseline_logrotate_keep", "many", "host_baseline_logrotate_keep"),
    ("gpu_node_software", "nvidia_dcgm_enabled", "ture", "nvidia_dcgm_enabled"),
    ("gpu_validate", "gpu_validate_expected_gpu_count", "lots", "gpu_validate_expected_gpu_count"),
    # network: a typo in a shared variable reaches the rdma role only through its default (rdma_fabric_type)
    ("network", "privateai_fabric", {"type": "infiniban"}, "rdma_fabric_type must be one of: infiniband, roce, none, got: infiniban"),
    ("k8s_platform", "cert_manager_ca_source", "borrowed", "cert_manager_ca_source is 'borrowed'"),
    ("storage", "rook_ceph_enabled", "perhaps", "rook_ceph_enabled"),
    ("model_serving", "model_serving_engine", "vllx", "model_serving_engine"),
    ("dify", "dify_vector_store", "chroma", "dify_vector_store"),
    ("security", "security_oidc_issuer_url", "http://idp.example.com", "security_oidc_issuer_url"),
    ("observability", "observability_gpu_temp_celsius", "hot", "observability_gpu_temp_celsius"),
    ("backup", "backup_schedule_cron", "at three", "backup_schedule_cron"),
]


def lab_vars(**override):
    with open(LAB_VARS) as handle:
        values = yaml.safe_load(handle)
    values.update(override)
    return values


def with_storage_nodes(inventory, names):
    """The lab's layout: the nodes are GPU and storage nodes (the storage stage needs storage_nodes)."""
    hosts = yaml.safe_load((inventory / "hosts.yml").read_text())
    hosts["all"]["children"]["storage_nodes"] = {"hosts": dict((name, None) for name in names)}
    (inventory / "hosts.yml").write_text(yaml.safe_dump(hosts))
    return inventory


def flat(result):
    return " ".join((result.stdout + result.stderr).split())


def test_one_bad_value_per_stage_is_reported_at_once_before_any_stage_ran(node_pair):
    first, second = node_pair.names
    shared_prefixes = ("privateai_", "cert_", "rook_", "model_", "dify_", "security_", "observability_", "backup_")
    shared = dict((var, value) for stage, var, value, text in BAD if var.startswith(shared_prefixes))
    inventory = node_pair.inventory(group_vars=lab_vars(**shared),
                                    host_vars={second: dict((var, value) for stage, var, value, text in BAD
                                                            if var.startswith(("host_", "nvidia_", "gpu_")))})
    result = node_pair.playbook("site.yml", inventory)
    out = result.stdout + result.stderr
    assert result.returncode != 0, out[-4000:]
    message = out[out.index("preflight: "):] if "preflight: " in out else ""
    assert "problems in %d stages, nothing was changed on any host" % len(BAD) in message, out[-4000:]
    for stage, variable, value, text in BAD:
        section = message.split("[%s]" % stage, 1)
        assert len(section) == 2, "stage %s missing from: %s" % (stage, message[:3000])
        body = section[1].split("\n[", 1)[0]
        assert text in body, "%s (%s) not under [%s]: %s" % (variable, value, stage, body)
    # host problems name the host that has the bad value
    assert "- %s: argument 'host_baseline_logrotate_keep'" % second in message
    # Nothing after the preflight ran: no play of a stage, no change on a node
    assert "PLAY [Host baseline" not in out and "PLAY [GPU node software" not in out, out[-3000:]
    assert "changed=1" not in out and "changed=2" not in out
    for name in node_pair.names:
        assert node_pair.sh(name, "test -e %s" % CHRONY_CONF).returncode != 0, "%s: host_baseline wrote chrony" % name


def test_the_lab_settings_pass_the_preflight_alone(node_pair):
    inventory = with_storage_nodes(node_pair.inventory(group_vars=lab_vars()), node_pair.names)
    result = node_pair.playbook("site.yml", inventory, "--tags", "preflight")
    assert result.returncode == 0, flat(result)[-4000:]
    assert "preflight: every input of host_baseline, gpu_node_software, gpu_validate, network, k8s_platform, storage, " \
           "model_serving, dify, security, observability, backup is good, every host answered" in flat(result)
    # --tags preflight runs the preflight only: after it, the stage plays run no task but the read-only checks
    # tagged always (Ansible's argument validation of their roles; the GPU software stage's settings check, which
    # collects its roles' and the reboot step's node maintenance problems and asserts them at once), and nothing
    # changes
    after = result.stdout.split("Say that the preflight passed", 1)[1]
    tasks = re.findall(r"^TASK \[([^\]]*)\]", after, re.M)
    stage_checks = ("Check the settings of every role of the stage (collected, asserted below)",
                    "Check the node maintenance settings and node names the cluster nodes' reboots use (collected)",
                    "privateai.deepseek_dify.node_maintenance : Check the node maintenance settings and plan the batches",
                    "Assert every setting of the stage is good (all problems of the node at once, before any change)")
    assert tasks and all("Validating arguments against arg spec" in task or task in stage_checks for task in tasks), tasks
    assert set(stage_checks) <= set(tasks), tasks
    assert re.search(r"changed=[1-9]", result.stdout) is None


def test_tags_limit_the_checked_stages_and_an_unreachable_host_is_reported(node_pair, tmp_path):
    inventory = with_storage_nodes(node_pair.inventory(group_vars=lab_vars(cert_manager_ca_source="borrowed",
                                                                           rook_ceph_enabled="perhaps")), node_pair.names)
    # a third node that does not exist
    hosts = yaml.safe_load((inventory / "hosts.yml").read_text())
    hosts["all"]["children"]["gpu_nodes"]["hosts"]["privateai-it-gone"] = None
    (inventory / "hosts.yml").write_text(yaml.safe_dump(hosts))
    result = node_pair.playbook("site.yml", inventory, "--tags", "storage")
    out = flat(result)
    assert result.returncode != 0, out[-3000:]
    assert "problems in 2 stages" in out, out[-3000:]
    assert "[hosts] - unreachable: privateai-it-gone" in out, out[-3000:]
    assert "[storage] - " in out and "rook_ceph_enabled" in out
    # the platform stage is not part of this run: its bad value is not reported
    assert "cert_manager_ca_source" not in out


def test_apply_mode_checks_the_kubeconfig_and_helm_once_on_the_control_node(tmp_path):
    # No node is needed for this: the hosts are the control node itself (local connection)
    inventory = tmp_path / "inventory"
    (inventory / "group_vars").mkdir(parents=True)
    (inventory / "hosts.yml").write_text(yaml.safe_dump({"all": {
        "vars": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable},
        "children": {"gpu_nodes": {"hosts": {"n1": None, "n2": None}},
                     "storage_nodes": {"hosts": {"n1": None, "n2": None}}}}}))
    values = lab_vars(privateai_k8s_mode="apply", privateai_kubeconfig=str(tmp_path / "no-kubeconfig"),
                      k8s_render_apply_helm_binary=str(tmp_path / "no-helm"),
                      # n1 and n2 are this machine: the lab's declared disks are taken as declared instead of
                      # probed here (the probe and the disk decision are tests/integration/test_storage_disks.py's)
                      rook_ceph_disk_source="inventory")
    (inventory / "group_vars" / "all.yml").write_text(yaml.safe_dump(values))
    result = run_playbook("playbooks/preflight.yml", inventory)
    out = flat(result)
    assert result.returncode != 0, out[-3000:]
    assert "problems in 1 stage" in out and "[control node]" in out, out[-3000:]
    assert "kubeconfig %s does not exist" % (tmp_path / "no-kubeconfig") in out
    assert "helm (%s) was not found" % (tmp_path / "no-helm") in out
    # the same k8s_render_apply tasks as the apply preflight, run once
    assert out.count("TASK [privateai.deepseek_dify.k8s_render_apply : Read the kubeconfig and context") == 1
