"""The secret-leak test (issue 15): the main job (site.yml) run once on a lab of two Debian 12 systemd nodes
(scripts/lab, its own LAB_PREFIX), the Kubernetes stages rendering with privateai_render_secrets, every secret the
stack handles set to a known sentinel. Then a search (leak_search.py: each sentinel as itself and base64-encoded) of
Ansible's output at -vv and its log (ANSIBLE_LOG_PATH), the nodes' journals and files, every rendered file, the run
report and the per-stage counts file: zero hits outside the Secret files and the credentials files, and every
sentinel found where it belongs (the positive control: the search would have found a leak).

The generated secrets are pre-seeded into the credentials files (the stages read an existing file back, never
generate over it); the inventory-supplied ones go into the lab inventory's group_vars, as a site's vault would.
test_the_search_finds_a_task_without_no_log shows the search finds a task of the stages' shape once its no_log is
taken away.
"""

import os
import shutil
import stat
import subprocess
import time
import uuid

import pytest
import yaml

import leak_search
from conftest import ANSIBLE_PLAYBOOK, REPO, _podman

LAB_VARS = os.path.join(REPO, "inventories", "lab", "group_vars", "all.yml")
NODES = 2


def sentinel(tag):
    """Unique per run, greppable, letters and digits only (what the Dify passwords and keys must be)."""
    return "LeakSntl%s%s" % (tag, uuid.uuid4().hex[:8])


# The files the stages generate once with the password lookup (relative to privateai_credentials_dir), seeded here.
GENERATED = {
    "dify/secret-key": "DifySecretKey",
    "dify/plugin-daemon-key": "DifyPluginKey",
    "dify/inner-api-key": "DifyInnerKey",
    "dify/sandbox-key": "DifySandboxKey",
    "dify/init-password": "DifyInit",
    "dify/db-password": "DifyDb",
    "dify/redis-password": "DifyRedis",
    "dify/weaviate-api-key": "DifyWeaviate",
    "serving-api-key": "ServingApiKey",
    "grafana-admin-password": "GrafanaAdmin",
    "oauth2-proxy-cookie-secret": "Cookie",
}
# Inventory-supplied secrets (the vault names the example inventories map) that a stage writes into a Secret (and
# the Dify admin password, through dify_admin_password's default, into its credentials file).
SUPPLIED = {"privateai_dify_admin_password": "DifyAdmin", "privateai_oidc_client_secret": "OidcClient"}
# Where each sentinel belongs besides its credentials file: the rendered Secret files that must hold it.
# Sentinels the lab's settings do not use are listed with the reason (they must still appear nowhere else).
UNUSED_IN_LAB = {"dify/weaviate-api-key": "the lab's vector store is pgvector (dify_vector_store), no Weaviate"}

# The KMS v2 plugin's credentials file on the nodes (security_kms.credentials_file): a sentinel is seeded there.
KMS_FILE = "/etc/kubernetes/kms/vault-token"
# Secrets whose only place is their credentials file (no stage writes them into a Secret).
FILE_ONLY = {"privateai_dify_admin_password": "dify_bootstrap sends it to Dify's setup API (apply mode); its file is dify/admin-password"}


def _cookie(value):
    """oauth2-proxy takes a 16, 24 or 32 byte cookie secret: the sentinel padded to 32."""
    return (value + "0" * 32)[:32]


def _run(cmd, env=None, **kwargs):
    return subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, check=False, **kwargs)


@pytest.fixture(scope="module")
def leak_run(tmp_path_factory):
    """One site.yml run on a fresh lab with sentinel secrets; the lab is destroyed afterwards."""
    started = time.monotonic()
    work = tmp_path_factory.mktemp("leak")
    prefix = "leak-lab-%s" % uuid.uuid4().hex[:6]
    inventory = work / "inventory"
    credentials = work / "credentials"
    render_dir, report_dir = work / "render", work / "report"
    lab_env = dict(os.environ, LAB_PREFIX=prefix, LAB_INVENTORY_DIR=str(inventory))
    values = dict((rel, sentinel(tag)) for rel, tag in GENERATED.items())
    values["oauth2-proxy-cookie-secret"] = _cookie(values["oauth2-proxy-cookie-secret"])
    supplied = dict((name, sentinel(tag)) for name, tag in SUPPLIED.items())
    for rel, value in values.items():
        path = credentials / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(value + "\n")
        path.chmod(0o600)
    with open(LAB_VARS) as handle:
        group_vars = yaml.safe_load(handle)
    group_vars.update(supplied)
    group_vars.update({
        "privateai_credentials_dir": str(credentials), "privateai_render_dir": str(render_dir),
        "privateai_report_dir": str(report_dir), "privateai_render_secrets": True,
        # single sign-on on, so that the OIDC client secret and the cookie secret are handled (render only)
        "security_oidc_issuer_url": "https://idp.example.internal/realms/privateai",
        "security_oidc_egress_cidrs": ["10.88.0.2/32"],
        # and the Dify console behind oauth2-proxy too (the console front)
        "dify_console_auth_enabled": True,
        # the KMS v2 plugin's credentials are a file on the control-plane nodes (seeded below), never a value here
        "security_kms": {"name": "leak-kms", "endpoint": "unix:///var/run/kmsplugin/socket.sock",
                         "credentials_file": KMS_FILE},
    })
    (inventory / "group_vars").mkdir(parents=True)
    (inventory / "group_vars" / "all.yml").write_text(yaml.safe_dump(group_vars, default_flow_style=False))
    log_path, changes = work / "ansible.log", work / "stage-changes.json"
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0",
               ANSIBLE_LOG_PATH=str(log_path), PRIVATEAI_STAGE_CHANGES_FILE=str(changes),
               PATH=os.path.dirname(ANSIBLE_PLAYBOOK) + os.pathsep + os.environ.get("PATH", ""))
    try:
        made = _run(["bash", os.path.join(REPO, "scripts", "lab"), "create", str(NODES)], env=lab_env, timeout=600)
        assert made.returncode == 0, made.stdout + made.stderr
        names = _podman("ps", "-a", "--filter", "label=io.privateai.lab=%s" % prefix, "--format", "{{.Names}}").stdout.split()
        assert len(names) == NODES, names
        kms_token = sentinel("KmsToken")
        for name in names:
            _podman("exec", name, "sh", "-c", "mkdir -p %s && umask 077 && echo %s > %s"
                    % (os.path.dirname(KMS_FILE), kms_token, KMS_FILE))
        site_started, wall_started = time.monotonic(), time.time()
        # --diff as the README's "look before you leap" run uses it: a task writing a file without no_log would show it
        result = _run([ANSIBLE_PLAYBOOK, "-vv", "--diff", os.path.join(REPO, "site.yml"), "-i", str(inventory)], env=env,
                      timeout=1800)
        site_seconds = time.monotonic() - site_started
        output = result.stdout + result.stderr
        assert result.returncode == 0, output[-6000:]
        # the nodes: their journals, and every file on them outside the system's own trees (grep on the node)
        # A canary per node, written after the run into a file and the journal (as a module's log line is): the
        # node search must find exactly it, or it would not have found a leak either.
        canary = sentinel("NodeCanary")
        table = leak_search.forms(dict(values, canary=canary, kms_token=kms_token, **supplied))
        patterns = work / "patterns"
        patterns.write_text("".join(form + "\n" for form in table))
        journals, node_files = {}, {}
        for name in names:
            _podman("cp", str(patterns), "%s:/run/leak-patterns" % name)
            _podman("exec", name, "sh", "-c", "echo %s > /root/leak-canary" % canary)
            # grep exits 1 when it finds nothing, 2 on an error: only 0 (the canary found) is good. The journal's own
            # files are searched too, before the canary's journal line is written.
            found = _podman("exec", name, "grep", "-rlsaF", "-D", "skip", "-f", "/run/leak-patterns",
                            "/etc", "/var", "/root", "/tmp", "/opt", "/srv", "/home", "/usr/local", check=False)
            assert found.returncode == 0, (name, found.returncode, found.stderr)
            node_files[name] = found.stdout.split()
            _podman("exec", name, "logger", "-t", "leak-canary", canary)
            for dummy in range(20):  # the journal takes the canary's line asynchronously
                journals[name] = _podman("exec", name, "journalctl", "--no-pager", "-o", "verbose", "--all").stdout
                if canary in journals[name]:
                    break
                time.sleep(0.5)
        # what Ansible wrote on the control node outside the test's directories during the run (~/.ansible: its temp
        # files, the podman connection's copies, caches)
        home = os.path.expanduser("~/.ansible")
        controller = dict((p, leak_search.hits(leak_search.read(p), table)) for p in leak_search.walk(home)
                          if os.path.isfile(p) and not os.path.islink(p) and os.stat(p).st_mtime >= wall_started)
        yield {"controller": controller, "values": values, "supplied": supplied, "table": table, "output": output,
               "log": leak_search.read(str(log_path)), "credentials": str(credentials), "render": str(render_dir),
               "report": str(report_dir), "changes": str(changes), "journals": journals, "node_files": node_files,
               "site_seconds": site_seconds, "setup_seconds": time.monotonic() - started}
    finally:
        _run(["bash", os.path.join(REPO, "scripts", "lab"), "destroy"], env=lab_env, timeout=300)
        shutil.rmtree(str(credentials), ignore_errors=True)


def _render_files(run):
    """(secret files, other files) of the render and report directories and the counts file."""
    secret, other = [], []
    for path in list(leak_search.walk(run["render"])) + list(leak_search.walk(run["report"])) + [run["changes"]]:
        (secret if leak_search.is_secret_file(path) else other).append(path)
    return secret, other


def test_no_sentinel_in_ansible_output_or_log(leak_run):
    print("site.yml on the lab: %.0f s; lab, run and collection: %.0f s" % (leak_run["site_seconds"], leak_run["setup_seconds"]))
    assert len(leak_run["output"]) > 10000 and "PLAY RECAP" in leak_run["output"]
    assert "PLAY RECAP" in leak_run["log"]
    leaks = dict((where, leak_search.hits(leak_run[where], leak_run["table"])) for where in ("output", "log"))
    assert leaks == {"output": [], "log": []}, leak_search.lines_with_hits(leak_run["output"] + leak_run["log"], leak_run["table"])
    assert dict((path, found) for path, found in leak_run["controller"].items() if found) == {}


def test_no_sentinel_on_the_nodes(leak_run):
    for name, journal in leak_run["journals"].items():
        # the journal was read: it holds the run's own module calls (Ansible logs each module's arguments there,
        # those marked no_log masked) and the canary, the only sentinel allowed
        assert "Invoked with" in journal, name
        assert leak_search.hits(journal, leak_run["table"]) == ["canary"], (name, leak_search.lines_with_hits(journal, leak_run["table"]))
    # the KMS token where the site put it, the canary: nothing else
    assert leak_run["node_files"] == dict((name, [KMS_FILE, "/root/leak-canary"]) for name in leak_run["node_files"])


def test_no_sentinel_in_a_rendered_file_that_is_not_a_secret(leak_run):
    secret, other = _render_files(leak_run)
    assert len(other) > 50 and any(p.endswith("report.json") for p in other)
    leaks = dict((os.path.relpath(p, os.path.dirname(leak_run["render"])), h) for p in other
                 for h in [leak_search.hits(leak_search.read(p), leak_run["table"])] if h)
    assert leaks == {}


def test_each_sentinel_is_found_where_it_belongs_and_those_files_are_0600(leak_run):
    """The positive control: the same search finds every used sentinel in the Secret files it belongs in."""
    secret, other = _render_files(leak_run)
    # the render writes 0600 exactly the files it holds secret
    assert [p for p in other if stat.S_IMODE(os.stat(p).st_mode) == 0o600 and p.startswith(leak_run["render"])] == []
    found = set()
    for path in secret:
        found.update(leak_search.hits(leak_search.read(path), leak_run["table"]))
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, path
    expected = set(rel for rel in leak_run["values"] if rel not in UNUSED_IN_LAB)
    expected |= set(name for name in leak_run["supplied"] if name not in FILE_ONLY)
    assert sorted(expected - found) == []
    assert sorted(found & (set(UNUSED_IN_LAB) | set(FILE_ONLY))) == []
    # the credentials files: the seeded ones kept (read back, not generated over), the admin password the
    # inventory chose written into its file, every file 0600
    for rel, value in leak_run["values"].items():
        path = os.path.join(leak_run["credentials"], rel)
        assert leak_search.read(path).strip() == value, rel
    admin = os.path.join(leak_run["credentials"], "dify", "admin-password")
    assert leak_search.read(admin).strip() == leak_run["supplied"]["privateai_dify_admin_password"]
    for path in leak_search.walk(leak_run["credentials"]):
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, path


# One task of the stages' shape (roles/dify/tasks/main.yml "Build the stage again with the credentials": a set_fact
# reading a credentials file through the password lookup), written into a temporary playbook with and without its
# no_log, run at -vv as the lab run is: the search must find the sentinel once no_log is gone (in the output, in the
# log and, for the Secret's base64 text, in its encoded form) and nothing while it is there.
SHAPES = {
    "plain": "{{ {'admin_password': lookup('ansible.builtin.password', credential, length=24, chars=['ascii_letters']) } }}",
    "base64": "{{ {'data': {'password': lookup('ansible.builtin.password', credential, length=24) | b64encode} } }}",
}


@pytest.mark.parametrize("shape,no_log,expect_found", [
    ("plain", True, False),
    ("plain", False, True),
    ("base64", True, False),
    ("base64", False, True),
])
def test_the_search_finds_a_task_without_no_log(tmp_path, shape, no_log, expect_found):
    value = sentinel("NoLogProof")
    credential = tmp_path / "credential"
    credential.write_text(value + "\n")
    credential.chmod(0o600)
    task = {"name": "Build the stage again with the credentials", "ansible.builtin.set_fact": {"__leak_plan": SHAPES[shape]}}
    if no_log:
        task["no_log"] = True
    playbook = tmp_path / "play.yml"
    playbook.write_text(yaml.safe_dump([{"name": "One task of the stages' shape", "hosts": "localhost",
                                         "gather_facts": False, "vars": {"credential": str(credential)},
                                         "tasks": [task]}], sort_keys=False))
    log_path = tmp_path / "ansible.log"
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_LOG_PATH=str(log_path), ANSIBLE_LOCALHOST_WARNING="0", ANSIBLE_INVENTORY_UNPARSED_WARNING="0")
    result = _run([ANSIBLE_PLAYBOOK, "-vv", str(playbook)], env=env, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Build the stage again with the credentials" in result.stdout
    table = leak_search.forms({"proof": value})
    found = {"output": leak_search.hits(result.stdout + result.stderr, table),
             "log": leak_search.hits(leak_search.read(str(log_path)), table)}
    assert found == ({"output": ["proof"], "log": ["proof"]} if expect_found else {"output": [], "log": []})
    if shape == "base64" and expect_found:
        # found through its base64 form only: the plain search alone would have missed it
        assert value not in result.stdout


@pytest.mark.parametrize("no_log", [True, False])
def test_the_node_search_finds_a_module_call_without_no_log(node, no_log):
    """The node side of the same proof: a module called with a secret in its arguments (lineinfile writing it into a
    node file the search does not cover) logs its arguments into the node's journal unless no_log is set; the
    journal search of the lab test finds it there once no_log is gone."""
    value = sentinel("NoLogNode")
    task = {"name": "Write the credential", "ansible.builtin.lineinfile": {
        "path": "/run/leak-proof", "line": "token=" + value, "create": True, "mode": "0600"}}
    if no_log:
        task["no_log"] = True
    # a second module call (no secret) whose journal line says the first one's is in too
    after = {"name": "Look at the file", "ansible.builtin.stat": {"path": "/run/leak-proof-after"}}
    playbook = node.inventory.parent / "play.yml"
    playbook.write_text(yaml.safe_dump([{"name": "One module call", "hosts": "all", "gather_facts": False,
                                         "tasks": [task, after]}], sort_keys=False))
    result = node.playbook(str(playbook), "-vv")
    assert result.returncode == 0, result.stdout + result.stderr
    assert value in node.sh("cat /run/leak-proof").stdout
    table = leak_search.forms({"proof": value})
    journal = ""
    for dummy in range(20):  # journald takes the modules' log lines asynchronously
        journal = _podman("exec", node.name, "journalctl", "--no-pager", "-o", "verbose", "--all").stdout
        if "path=/run/leak-proof-after" in journal:
            break
        time.sleep(0.5)
    assert "path=/run/leak-proof-after" in journal
    if no_log:
        assert leak_search.hits(journal, table) == []
    else:
        assert leak_search.hits(journal, table) == ["proof"]
