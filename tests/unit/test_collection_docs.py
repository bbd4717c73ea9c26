# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""docs/reference/ is what scripts/collection_docs.py writes from the argument specs and plugin docs: one page per
role and per module, filter and callback, and nothing left over."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib.machinery
import importlib.util
import os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _docs():
    loader = importlib.machinery.SourceFileLoader("collection_docs", os.path.join(ROOT, "scripts", "collection_docs.py"))
    spec = importlib.util.spec_from_loader("collection_docs", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def test_every_role_and_plugin_has_a_page():
    pages = _docs().pages()
    for role in os.listdir(os.path.join(ROOT, "roles")):
        if os.path.exists(os.path.join(ROOT, "roles", role, "meta", "argument_specs.yml")):
            assert "roles/%s.md" % role in pages, role
    for module in os.listdir(os.path.join(ROOT, "plugins", "modules")):
        if module.endswith(".py") and module != "__init__.py":
            assert "modules/%s.md" % module[:-3] in pages, module
    assert "# Role privateai.deepseek_dify.run_report" in pages["roles/run_report.md"]
    assert "`fail_on_problems`" in pages["modules/role_inputs.md"]


def test_the_pages_are_up_to_date():
    docs = _docs()
    wanted = docs.pages()
    reference = os.path.join(ROOT, "docs", "reference")
    on_disk = {}
    for directory, dummy, files in os.walk(reference):
        for name in files:
            path = os.path.join(directory, name)
            with open(path) as handle:
                on_disk[os.path.relpath(path, reference)] = handle.read()
    stale = sorted(rel for rel in set(wanted) | set(on_disk) if wanted.get(rel) != on_disk.get(rel))
    assert stale == [], "run python scripts/collection_docs.py: %s" % ", ".join(stale)


def test_markup_becomes_markdown():
    docs = _docs()
    assert docs._markup("C(a) V(b) O(c) RV(d) M(e) I(f) B(g)") == "`a` `b` `c` `d` `e` *f* **g**"
