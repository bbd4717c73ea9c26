"""The sentinel search of the secret-leak test (tests/integration/test_secret_leak.py), kept apart so that the
test proving it finds a leak (a task without no_log) uses exactly the search the lab run's test uses.

A secret may reach a file or a log as itself or base64-encoded (a Secret's data, a values file, a Basic auth
header), so each sentinel is searched for in both forms: its base64 text at each of the three byte alignments it
can take inside a longer encoded string, less the characters that depend on its neighbours.
"""

import base64
import os
import stat

import yaml


def _b64_forms(value):
    """Text that the base64 encoding of any string holding value must contain: for each of the three byte
    alignments value can take, the encoding of its whole 3-byte groups from the first group boundary on."""
    raw = value.encode("utf-8")
    result = []
    for skip in range(3):
        chunk = raw[skip:]
        chunk = chunk[:len(chunk) // 3 * 3]
        encoded = base64.b64encode(chunk).decode("ascii")
        if len(encoded) >= 16:  # shorter would match by chance
            result.append(encoded)
    return result


def forms(sentinels):
    """{form text: sentinel name}: each sentinel as itself and as its base64 forms."""
    table = {}
    for name, value in sentinels.items():
        table[value] = name
        for form in _b64_forms(value):
            table[form] = name
    return table


def hits(text, table):
    """Sorted names of the sentinels text holds, in either form."""
    return sorted(set(name for form, name in table.items() if form in text))


def lines_with_hits(text, table, most=5):
    """The first lines of text holding a sentinel (for the failure message: they name the task that leaked)."""
    return [line[:300] for line in text.splitlines() if hits(line, table)][:most]


def read(path):
    with open(path, "rb") as handle:
        return handle.read().decode("utf-8", errors="replace")


def walk(root):
    for base, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            yield os.path.join(base, name)


def is_secret_file(path):
    """A rendered file allowed to hold secrets: every object in it is a Secret, or it is a Helm values file the
    render marked secret (k8s_render_files writes a release marked secret with mode 0600, the only mark on disk;
    helm/releases.yaml does not carry it)."""
    if os.path.basename(os.path.dirname(path)) == "helm" and path.endswith(".values.yaml"):
        return stat.S_IMODE(os.stat(path).st_mode) == 0o600
    try:
        documents = [d for d in yaml.safe_load_all(read(path)) if d is not None]
    except yaml.YAMLError:
        return False
    return bool(documents) and all(isinstance(d, dict) and d.get("kind") == "Secret" for d in documents)
