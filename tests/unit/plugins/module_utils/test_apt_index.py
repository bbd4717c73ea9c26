# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Debian version ordering, Packages parsing and resolution (plugins/module_utils/apt_index.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import gzip

import pytest

from ansible_collections.privateai.deepseek_dify.plugins.module_utils import apt_index

# Pairs whose order deb-version(7) / dpkg --compare-versions define (left < right).
ORDERED = [
    ("580.95.05-1", "580.105.08-1"),        # numeric, not lexical
    ("580.95.05-1", "580.95.05-2"),         # revision
    ("1.0~rc1-1", "1.0-1"),                 # tilde sorts before the release
    ("1.0-1", "1:0.1-1"),                   # epoch wins
    ("1.17.8-1", "1.18.0-1"),
    ("3.0.10-8", "3.0.10-8+deb12u1"),       # a suffix sorts after nothing
    ("2.6a-1", "2.6b-1"),
    ("2.6-1", "2.6a-1"),
    ("580.95.05-0ubuntu1", "580.95.05-1"),  # letters (ubuntu) sort after digits only position-wise: 0 < 1
    ("1.6.20~ds1-1", "1.6.20-1"),
]


@pytest.mark.parametrize("older, newer", ORDERED)
def test_compare_versions_orders_as_dpkg(older, newer):
    assert apt_index.compare_versions(older, newer) < 0
    assert apt_index.compare_versions(newer, older) > 0
    assert apt_index.compare_versions(older, older) == 0


def test_sort_versions_oldest_first():
    assert apt_index.sort_versions(["580.105.08-1", "580.82.07-1", "580.95.05-1"]) == [
        "580.82.07-1", "580.95.05-1", "580.105.08-1"]


PACKAGES = """Package: nvidia-driver-cuda
Version: 580.95.05-1
Architecture: amd64
Depends: libnvidia-ml1 (= 580.95.05-1)
Description: driver
 continuation line: not a field

Package: nvidia-driver-cuda
Version: 580.105.08-1
Architecture: amd64

Package: nvidia-driver-cuda
Version: 580.105.08-1
Architecture: arm64

Package: nvidia-driver-cuda
Version: 575.57.08-1
Architecture: amd64

Package: cuda-keyring
Version: 1.1-1
Architecture: all
"""


def test_parse_packages_filters_architecture_and_keeps_all():
    index = apt_index.parse_packages(PACKAGES, "amd64")
    assert sorted(index["nvidia-driver-cuda"]) == ["575.57.08-1", "580.105.08-1", "580.95.05-1"]
    assert index["cuda-keyring"] == ["1.1-1"]
    arm = apt_index.parse_packages(PACKAGES, "arm64")
    assert arm["nvidia-driver-cuda"] == ["580.105.08-1"]


def test_resolve_exact_version_newest_revision():
    index = {"nvidia-driver-cuda": ["580.95.05-1", "580.95.05-2", "580.105.08-1"]}
    got = apt_index.resolve(index, [{"name": "nvidia-driver-cuda", "version": "580.95.05", "branch": "580"}], "repo X")
    assert got["nvidia-driver-cuda"]["version"] == "580.95.05-2"


def test_resolve_branch_newest():
    index = apt_index.parse_packages(PACKAGES, "amd64")
    got = apt_index.resolve(index, [{"name": "nvidia-driver-cuda", "branch": "580"}], "repo X")
    assert got["nvidia-driver-cuda"] == {"version": "580.105.08-1", "available": ["580.95.05-1", "580.105.08-1"]}


def test_resolve_reports_every_problem_naming_package_repository_and_versions():
    index = apt_index.parse_packages(PACKAGES, "amd64")
    with pytest.raises(apt_index.AptIndexError) as err:
        apt_index.resolve(index, [
            {"name": "nvidia-driver-cuda", "version": "580.65.06"},
            {"name": "nvidia-fabricmanager", "version": "580.65.06"},
            {"name": "cuda-keyring", "branch": "2"},
        ], "repository file:/srv/mirror/ for Debian 12 amd64")
    text = str(err.value)
    assert "package 'nvidia-driver-cuda' version 580.65.06 is not in repository file:/srv/mirror/ for Debian 12 amd64" in text
    assert "versions there: 575.57.08-1, 580.95.05-1, 580.105.08-1" in text
    assert "package 'nvidia-fabricmanager' is not in repository file:/srv/mirror/" in text
    assert "package 'cuda-keyring' has no version of branch 2" in text


def test_index_paths_flat_and_dists():
    assert apt_index.index_paths("/", [], "amd64") == ["Packages"]
    assert apt_index.index_paths("bookworm", ["main", "non-free"], "amd64") == [
        "dists/bookworm/main/binary-amd64/Packages", "dists/bookworm/non-free/binary-amd64/Packages"]


def test_merge_unions_versions():
    merged = apt_index.merge([{"a": ["1-1"]}, {"a": ["2-1", "1-1"], "b": ["3-1"]}])
    assert merged == {"a": ["1-1", "2-1"], "b": ["3-1"]}


# ---------------------------------------------------------------------------------------------
# Index fetching (moved from the module): read_url, repository_indexes, apt_list_indexes
# ---------------------------------------------------------------------------------------------

PACKAGES_TEXT = "Package: nvidia-driver-cuda\nVersion: 580.95.05-1\nArchitecture: amd64\n\n"


class FakeResponse(object):
    def __init__(self, data):
        self.data = data

    def read(self):
        return self.data


class OpenerDouble(object):
    """Test double of ansible.module_utils.urls.open_url: serves a dict of URL -> bytes or exception."""

    def __init__(self, answers):
        self.answers = answers
        self.asked = []

    def __call__(self, url):
        self.asked.append(url)
        answer = self.answers.get(url, Exception("HTTP Error 404: Not Found"))
        if isinstance(answer, Exception):
            raise answer
        return FakeResponse(answer)


def test_read_url_unpacks_gz_and_treats_404_as_absent():
    opener = OpenerDouble({"https://m/Packages.gz": gzip.compress(PACKAGES_TEXT.encode())})
    assert apt_index.read_url("https://m/Packages.gz", opener) == PACKAGES_TEXT
    assert apt_index.read_url("https://m/missing", opener) is None


def test_read_url_reads_file_urls(tmp_path):
    (tmp_path / "Packages").write_text(PACKAGES_TEXT)
    assert apt_index.read_url("file:%s/Packages" % tmp_path, None) == PACKAGES_TEXT
    assert apt_index.read_url("file://%s/Packages" % tmp_path, None) == PACKAGES_TEXT
    assert apt_index.read_url("file:%s/nothing" % tmp_path, None) is None


def test_repository_indexes_falls_back_to_the_uncompressed_index():
    opener = OpenerDouble({"https://m/repo/Packages": PACKAGES_TEXT.encode()})
    indexes, sources, where = apt_index.repository_indexes([{"url": "https://m/repo", "suite": "/", "components": []}],
                                                           "amd64", opener)
    assert opener.asked == ["https://m/repo/Packages.gz", "https://m/repo/Packages"]
    assert sources == ["https://m/repo/Packages"]
    assert where == ["repository https://m/repo (suite /)"]
    assert list(indexes[0]) == ["nvidia-driver-cuda"]


@pytest.mark.parametrize("answers, message", [
    ({}, "neither https://m/repo/Packages.gz nor https://m/repo/Packages exists"),
    ({"https://m/repo/Packages.gz": Exception("timed out")}, "Failed to read the package index 'https://m/repo/Packages.gz'"
                                                             " of repository 'https://m/repo' due to: timed out"),
])
def test_repository_indexes_names_the_index_it_could_not_read(answers, message):
    repos = [{"url": "https://ok/", "suite": "/", "components": []}, {"url": "https://m/repo", "suite": "/", "components": []}]
    answers = dict(answers, **{"https://ok/Packages.gz": gzip.compress(PACKAGES_TEXT.encode())})
    with pytest.raises(apt_index.IndexReadError) as caught:
        apt_index.repository_indexes(repos, "amd64", OpenerDouble(answers))
    assert message in str(caught.value)
    # the index read before the failing one is reported
    assert caught.value.sources == ["https://ok/Packages.gz"]


def test_apt_list_indexes(tmp_path):
    with pytest.raises(apt_index.IndexReadError, match="no \\*_Packages file in"):
        apt_index.apt_list_indexes(str(tmp_path), "amd64")
    (tmp_path / "deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages").write_text(PACKAGES_TEXT)
    indexes, paths = apt_index.apt_list_indexes(str(tmp_path), "amd64")
    assert [list(i) for i in indexes] == [["nvidia-driver-cuda"]] and len(paths) == 1
