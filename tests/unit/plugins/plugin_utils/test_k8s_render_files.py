# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import json
import os
import stat

import pytest

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import k8s_render, k8s_render_files

SECRET_MARK = "c2VjcmV0LXZhbHVl"  # base64 of the stand-in secret; must never appear in a result or a diff
STAGE = {
    "name": "cert_manager",
    "releases": [{"name": "cert-manager", "chart": "cert-manager", "version": "v1.20.2", "namespace": "cert-manager",
                  "repo_url": "https://charts.jetstack.io", "values": {"crds": {"enabled": True}}}],
    "manifests": [
        {"phase": "pre", "definition": {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "cert-manager"}}},
        {"phase": "pre", "definition": {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "ca", "namespace": "cert-manager"},
                                        "data": {"tls.key": SECRET_MARK}}},
        {"definition": {"apiVersion": "cert-manager.io/v1", "kind": "ClusterIssuer", "metadata": {"name": "ca"},
                        "spec": {"ca": {"secretName": "ca"}}}},
    ],
}
FILES = ["cert_manager/helm/cert-manager.values.yaml", "cert_manager/helm/releases.yaml",
         "cert_manager/manifests/01-namespace-cert-manager.yaml", "cert_manager/manifests/02-secret-ca.yaml",
         "cert_manager/manifests/03-clusterissuer-ca.yaml"]
SECRET_FILE = "cert_manager/manifests/02-secret-ca.yaml"


def plans(root, stage=None, mode="apply"):
    out = k8s_render.build_plans([copy.deepcopy(stage or STAGE)], str(root), mode=mode)
    assert out["problems"] == []
    return out["plans"]


def mode_of(path):
    return stat.S_IMODE(os.lstat(str(path)).st_mode)


def tree(root):
    """{relative path: (mode, bytes)} of every file under root, and the directories with their modes."""
    out = {}
    for base, dirs, files in os.walk(str(root)):
        for name in dirs + files:
            path = os.path.join(base, name)
            rel = os.path.relpath(path, str(root))
            out[rel] = (mode_of(path), None if os.path.isdir(path) else open(path, "rb").read())
    return out


def test_new_files_are_written_with_their_modes_and_bytes(tmp_path):
    the_plans = plans(tmp_path)
    result = k8s_render_files.write_plans(the_plans)
    assert result["changed"] is True
    report = result["stages"][0]
    assert (report["stage"], report["created"], report["updated"], report["removed"], report["unchanged"]) == (
        "cert_manager", FILES, [], [], 0)
    assert report["directories"] == ["cert_manager", "cert_manager/helm", "cert_manager/manifests"]
    for entry in the_plans[0]["files"]:
        assert open(entry["path"], "rb").read() == entry["content"].encode("utf-8")  # the plan's bytes, exactly
    assert mode_of(tmp_path / SECRET_FILE) == 0o600
    assert sorted(mode_of(tmp_path / f) for f in FILES if f != SECRET_FILE) == [0o644] * 4
    assert [mode_of(tmp_path / d) for d in report["directories"]] == [0o750] * 3
    assert not [n for n in os.listdir(str(tmp_path / "cert_manager/manifests")) if n.startswith(".")], "temporary file left"


def test_second_run_changes_nothing(tmp_path):
    k8s_render_files.write_plans(plans(tmp_path))
    before = tree(tmp_path)
    result = k8s_render_files.write_plans(plans(tmp_path))
    assert result["changed"] is False
    assert result["stages"][0]["unchanged"] == len(FILES)
    assert tree(tmp_path) == before


# Each case: how the tree is spoiled after a first write, and what the second write reports (created, updated, removed).
SPOILED = [
    ("content changed", lambda root: open(str(root / FILES[1]), "a").write("# edited by hand\n"), [], [FILES[1]], []),
    ("file deleted", lambda root: os.unlink(str(root / FILES[2])), [FILES[2]], [], []),
    ("non-secret mode", lambda root: os.chmod(str(root / FILES[0]), 0o666), [], [FILES[0]], []),
    ("secret readable by all", lambda root: os.chmod(str(root / SECRET_FILE), 0o644), [], [SECRET_FILE], []),
    ("stale manifest", lambda root: open(str(root / "cert_manager/manifests/09-old.yaml"), "w").write("x"), [], [],
     ["cert_manager/manifests/09-old.yaml"]),
    ("stale hidden temp file", lambda root: open(str(root / "cert_manager/helm/.x.yaml.1.tmp"), "w").write("x"), [], [],
     ["cert_manager/helm/.x.yaml.1.tmp"]),
    ("stale directory", lambda root: os.makedirs(str(root / "cert_manager/manifests/old/deeper")), [], [],
     ["cert_manager/manifests/old"]),
]


@pytest.mark.parametrize("spoil, created, updated, removed", [c[1:] for c in SPOILED], ids=[c[0] for c in SPOILED])
def test_second_write_repairs_and_reports_per_file(tmp_path, spoil, created, updated, removed):
    k8s_render_files.write_plans(plans(tmp_path))
    clean = tree(tmp_path)
    spoil(tmp_path)
    result = k8s_render_files.write_plans(plans(tmp_path))
    report = result["stages"][0]
    assert result["changed"] is True
    assert (report["created"], report["updated"], report["removed"]) == (created, updated, removed)
    assert tree(tmp_path) == clean


@pytest.mark.parametrize("spoil, created, updated, removed", [c[1:] for c in SPOILED], ids=[c[0] for c in SPOILED])
def test_check_mode_reports_the_same_and_writes_nothing(tmp_path, spoil, created, updated, removed):
    k8s_render_files.write_plans(plans(tmp_path))
    spoil(tmp_path)
    spoiled = tree(tmp_path)
    result = k8s_render_files.write_plans(plans(tmp_path), check=True)
    report = result["stages"][0]
    assert (result["changed"], report["created"], report["updated"], report["removed"]) == (True, created, updated, removed)
    assert tree(tmp_path) == spoiled


def test_check_mode_on_an_empty_directory_creates_nothing(tmp_path):
    result = k8s_render_files.write_plans(plans(tmp_path / "render"), check=True)
    assert result["changed"] is True and result["stages"][0]["created"] == FILES
    assert not os.path.exists(str(tmp_path / "render"))


def test_without_prune_stale_files_stay(tmp_path):
    k8s_render_files.write_plans(plans(tmp_path))
    stale = tmp_path / "cert_manager/manifests/09-old.yaml"
    stale.write_text("x")
    result = k8s_render_files.write_plans(plans(tmp_path), prune=False)
    assert result["changed"] is False and result["stages"][0]["removed"] == []
    assert stale.read_text() == "x"


def test_secret_left_out_in_render_mode_is_pruned_and_reported(tmp_path):
    k8s_render_files.write_plans(plans(tmp_path, mode="apply"))
    result = k8s_render_files.write_plans(plans(tmp_path, mode="render"))
    report = result["stages"][0]
    assert report["removed"] == [SECRET_FILE] and report["skipped_secrets"] == [SECRET_FILE]
    assert not os.path.exists(str(tmp_path / SECRET_FILE))


def test_diff_shows_non_secret_text_and_never_a_secret(tmp_path):
    k8s_render_files.write_plans(plans(tmp_path))
    values = tmp_path / FILES[0]
    values.write_text(values.read_text().replace("enabled: true", "enabled: false"))
    os.chmod(str(tmp_path / SECRET_FILE), 0o640)
    (tmp_path / "cert_manager/manifests/09-old.yaml").write_text("old: text\n")
    (tmp_path / "cert_manager/manifests/10-old-secret.yaml").write_text("key: " + SECRET_MARK + "\n")
    os.chmod(str(tmp_path / "cert_manager/manifests/10-old-secret.yaml"), 0o600)
    # The secret's own content changes too: its diff must still show no content.
    changed_stage = copy.deepcopy(STAGE)
    changed_stage["manifests"][1]["definition"]["data"]["ca.crt"] = SECRET_MARK
    result = k8s_render_files.write_plans(plans(tmp_path, changed_stage), diff=True)
    by_path = dict((d["before_header"].split(" ")[0], d) for d in result["diff"])
    assert sorted(by_path) == [FILES[0], SECRET_FILE, "cert_manager/manifests/09-old.yaml",
                               "cert_manager/manifests/10-old-secret.yaml"]
    assert "enabled: false" in by_path[FILES[0]]["before"] and "enabled: true" in by_path[FILES[0]]["after"]
    assert by_path["cert_manager/manifests/09-old.yaml"]["before"] == "old: text\n"
    assert by_path["cert_manager/manifests/09-old.yaml"]["after"] == ""
    assert "secret" in by_path[SECRET_FILE]["after_header"] and "0600" in by_path[SECRET_FILE]["after_header"]
    assert SECRET_MARK not in json.dumps(result)
    assert k8s_render_files.write_plans(plans(tmp_path, changed_stage), diff=True)["diff"] == []


def test_result_without_diff_holds_paths_only(tmp_path):
    result = k8s_render_files.write_plans(plans(tmp_path))
    assert result["diff"] == [] and SECRET_MARK not in json.dumps(result)


def _file_at(path):
    os.makedirs(os.path.dirname(str(path)), exist_ok=True)
    open(str(path), "w").write("not a directory")


# Each case: what is in the way, the text every problem list must hold.
BLOCKED = [
    ("file at the render directory", lambda root: _file_at(root / "render"), "render is a file where the directory"),
    ("file at the stage directory", lambda root: _file_at(root / "render/cert_manager"),
     "render/cert_manager is a file where the directory"),
    ("file at the manifests directory", lambda root: _file_at(root / "render/cert_manager/manifests"),
     "render/cert_manager/manifests is a file where the directory"),
    ("directory at a file", lambda root: os.makedirs(str(root / "render/cert_manager/helm/releases.yaml")),
     "releases.yaml is a directory where the rendered file must go"),
]


@pytest.mark.parametrize("block, message", [c[1:] for c in BLOCKED], ids=[c[0] for c in BLOCKED])
def test_something_in_the_way_is_reported_before_any_change(tmp_path, block, message):
    block(tmp_path)
    other = dict(copy.deepcopy(STAGE), name="gpu_operator")
    the_plans = plans(tmp_path / "other") + plans(tmp_path / "render")
    the_plans[0] = k8s_render.build_plans([other], str(tmp_path / "other"), mode="apply")["plans"][0]
    before = tree(tmp_path)
    with pytest.raises(k8s_render_files.K8sRenderFilesError) as err:
        k8s_render_files.write_plans(the_plans)
    assert len(err.value.problems) == 1 and message in err.value.problems[0]
    assert err.value.problems[0].startswith("stage cert_manager: ")
    assert tree(tmp_path) == before, "a plan was written although another could not be"


# Each case: how the plans are spoiled, the text of the problem.
BAD_PLANS = [
    ("not a list", lambda p: {"plans": p}, "plans must be a list"),
    ("not a dict", lambda p: ["x"], "a plan must be a dict"),
    ("no files key", lambda p: [dict((k, v) for k, v in p[0].items() if k != "files")], "the plan has no files"),
    ("plan with problems", lambda p: [dict(p[0], problems=["bad version"])], "has problems and cannot be written: bad version"),
    ("relative dir", lambda p: [dict(p[0], dir="render/x", helm_dir="render/x/helm", manifests_dir="render/x/manifests")],
     "is not an absolute path"),
    ("file outside", lambda p: [dict(p[0], files=p[0]["files"] + [{"path": "/etc/passwd", "content": "x", "secret": False}])],
     "/etc/passwd is not directly under"),
    ("file entry without content", lambda p: [dict(p[0], files=[{"path": p[0]["helm_dir"] + "/x.yaml"}])],
     "a file entry must be {path, content, secret}"),
    ("same directory twice", lambda p: [p[0], dict(p[0], stage="again")], "is also the directory of stage cert_manager"),
]


@pytest.mark.parametrize("spoil, message", [c[1:] for c in BAD_PLANS], ids=[c[0] for c in BAD_PLANS])
def test_bad_plans_are_refused_with_a_reason(tmp_path, spoil, message):
    with pytest.raises(k8s_render_files.K8sRenderFilesError) as err:
        k8s_render_files.write_plans(spoil(plans(tmp_path / "render")))
    assert message in str(err.value)
    assert not os.path.exists(str(tmp_path / "render"))


def test_all_problems_are_listed_at_once(tmp_path):
    _file_at(tmp_path / "a")
    _file_at(tmp_path / "b")
    first = plans(tmp_path / "a")
    second = k8s_render.build_plans([dict(copy.deepcopy(STAGE), name="other")], str(tmp_path / "b"), mode="apply")["plans"]
    with pytest.raises(k8s_render_files.K8sRenderFilesError) as err:
        k8s_render_files.write_plans(first + second)
    assert len(err.value.problems) == 2
    assert "stage cert_manager: " in err.value.problems[0] and "stage other: " in err.value.problems[1]


def test_symlinked_render_directory_is_followed_and_stays_idempotent(tmp_path):
    os.makedirs(str(tmp_path / "real"))
    os.symlink(str(tmp_path / "real"), str(tmp_path / "link"))
    k8s_render_files.write_plans(plans(tmp_path / "link"))
    assert os.path.isfile(str(tmp_path / "real" / FILES[0]))
    assert k8s_render_files.write_plans(plans(tmp_path / "link"))["changed"] is False


def test_summary_counts_per_stage(tmp_path):
    result = k8s_render_files.write_plans(plans(tmp_path))
    assert k8s_render_files.summary(result) == "cert_manager: 5 created, 0 updated, 0 removed, 0 unchanged"


def test_a_secret_that_stops_being_one_does_not_show_its_old_content(tmp_path):
    marked = copy.deepcopy(STAGE)
    marked["manifests"][0] = dict(marked["manifests"][0], secret=True)  # the Namespace file, marked secret
    marked["manifests"][0]["definition"]["metadata"]["labels"] = {"mark": SECRET_MARK.lower()}
    k8s_render_files.write_plans(plans(tmp_path, marked))
    assert mode_of(tmp_path / FILES[2]) == 0o600
    result = k8s_render_files.write_plans(plans(tmp_path), diff=True)
    assert result["stages"][0]["updated"] == [FILES[2]] and mode_of(tmp_path / FILES[2]) == 0o644
    (entry,) = result["diff"]
    assert entry["before_header"] == FILES[2] + " (mode 0600)" and entry["after_header"] == FILES[2] + " (mode 0644)"
    assert "not shown" in entry["before"] and SECRET_MARK.lower() not in json.dumps(result)
    assert "kind: Namespace" in entry["after"]
