# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared fixtures for the unit tests.

Run from the repository (= collection) root with ``python -m pytest tests/unit``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import os
import sys

import pytest

# <repo>/collections/ansible_collections/privateai/deepseek_dify is a symlink to the repo root,
# so putting <repo>/collections on sys.path makes ansible_collections.privateai.deepseek_dify
# importable (ansible_collections is a namespace package, so it merges with any installed one).
_REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_COLLECTIONS = os.path.join(_REPO_ROOT, "collections")
if _COLLECTIONS not in sys.path:
    sys.path.insert(0, _COLLECTIONS)


class FakeProcSys(object):
    """A fake /proc/sys tree under a temporary directory.

    ``root`` is the path to pass as ``proc_sys_root``. Keys use the dotted sysctl form
    (``net.ipv4.tcp_rmem``) or the slash form (``net/ipv4/conf/eth0.100/rp_filter``).
    """

    def __init__(self, root, monkeypatch):
        self.root = str(root)
        self._monkeypatch = monkeypatch
        self._refusing = {}

    @staticmethod
    def _parts(key):
        return key.split("/") if "/" in key else key.split(".")

    def path(self, key):
        return os.path.join(self.root, *self._parts(key))

    def set(self, key, value):
        path = self.path(key)
        directory = os.path.dirname(path)
        if not os.path.isdir(directory):
            os.makedirs(directory)
        with open(path, "w") as handle:
            handle.write("%s\n" % (value,))

    def raw(self, key):
        """The file content exactly as stored, or None when the key does not exist."""
        path = self.path(key)
        if not os.path.isfile(path):
            return None
        with open(path, "r") as handle:
            return handle.read()

    def exists(self, key):
        return os.path.exists(self.path(key))

    def refuse_writes(self, key, err=errno.EINVAL):
        """Make writes to ``key`` fail with OSError(err) the way the kernel refuses them.

        chmod 0444 does not stop root, so write_live itself is patched; the file content stays
        as it was, so the read-back shows the old value.
        """
        from ansible_collections.privateai.deepseek_dify.plugins.module_utils import sysctl

        if not self._refusing:
            original = sysctl.write_live

            def write_live(k, value, proc_sys_root="/proc/sys"):
                if k in self._refusing:
                    raise OSError(self._refusing[k], os.strerror(self._refusing[k]), sysctl.key_to_path(k, proc_sys_root))
                return original(k, value, proc_sys_root)

            self._monkeypatch.setattr(sysctl, "write_live", write_live)
        self._refusing[key] = err


@pytest.fixture
def fake_proc_sys(tmp_path, monkeypatch):
    """Factory: ``fake_proc_sys({"net.core.somaxconn": 4096, ...})`` -> FakeProcSys.

    Each key becomes a file holding ``value + "\\n"``.
    """

    def build(values=None):
        tree = FakeProcSys(tmp_path / "proc_sys", monkeypatch)
        os.makedirs(tree.root)
        for key, value in (values or {}).items():
            tree.set(key, value)
        return tree

    return build


@pytest.fixture
def fake_sysfs(tmp_path):
    """Factory: ``fake_sysfs("roce", vfs=2)`` -> FakeSysfs, a fake /sys (see tests/unit/rdma_sysfs.py);
    ``fake_sysfs()`` gives an empty tree to build by hand."""
    from ansible_collections.privateai.deepseek_dify.tests.unit import rdma_sysfs

    def build(kind=None, **kwargs):
        root = tmp_path / "sys"
        if kind is None:
            return rdma_sysfs.FakeSysfs(root)
        return rdma_sysfs.HOSTS[kind](root, **kwargs)

    return build
