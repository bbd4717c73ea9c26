#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Build a signed, flat apt repository of TEST-DOUBLE packages (tests/standins/nvidia_packages.yml).

    python tests/standins/build_apt_repo.py OUTDIR [--kernel RELEASE]

OUTDIR/repo/ holds the .deb files, Packages, Packages.gz, Release, InRelease and Release.gpg, the same flat
layout as NVIDIA's CUDA repository ("deb [signed-by=...] URL /"); OUTDIR/key.asc is the public half of a
throwaway signing key made for this build (its private half is deleted with the temporary GnuPG home).
Only dpkg-deb and gpg are needed. The repository is byte-identical for the same spec and kernel except for the
signature (a new key each build).
"""

from __future__ import absolute_import, division, print_function

import argparse
import gzip
import hashlib
import io
import os
import platform
import shutil
import subprocess
import tempfile

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
MAINTAINER = "privateai.deepseek_dify tests <tests@invalid>"


def _expand(text, values):
    for key, value in values.items():
        text = text.replace("{%s}" % key, value)
    return text


def _packages(spec, kernel):
    kernel_version = kernel.split("-")[0].replace("+", "")
    for item in spec["packages"]:
        per = item.get("per")
        versions = {"driver": spec["driver_versions"], "ubuntu_driver": spec.get("ubuntu_driver_versions", []),
                    "toolkit": spec["toolkit_versions"]}.get(per, [item.get("version")])
        for version in versions:
            values = {"version": version, "upstream": version.split(":")[-1].rsplit("-", 1)[0], "kernel": kernel,
                      "kernel_version": kernel_version}
            values["version"] = _expand(version, values)
            yield {
                "name": _expand(item["name"], values),
                "version": values["version"],
                "depends": [_expand(d, values) for d in item.get("depends", [])],
                "conflicts": [_expand(d, values) for d in item.get("conflicts", [])],
                "files": dict((_expand(k, values), _expand(v, values)) for k, v in item.get("files", {}).items()),
                "upstream": values["upstream"],
            }


def _build_deb(package, workdir, repo):
    root = os.path.join(workdir, "%s_%s" % (package["name"], package["version"].replace(":", "%3a")))
    os.makedirs(os.path.join(root, "DEBIAN"))
    for path, content in package["files"].items():
        if content == "@nvidia-ctk":
            # The stand-in's source carries no shebang (it is not a module); the packaged command gets one.
            with open(os.path.join(HERE, "nvidia_ctk.py")) as handle:
                content = "#!/usr/bin/python3\n" + handle.read().replace("@VERSION@", package["upstream"])
        target = os.path.join(root, path.lstrip("/"))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "w") as handle:
            handle.write(content)
        os.chmod(target, 0o755 if content.startswith("#!") else 0o644)
        os.utime(target, (0, 0))
    control = [
        "Package: %s" % package["name"],
        "Version: %s" % package["version"],
        "Architecture: amd64",
        "Maintainer: %s" % MAINTAINER,
        "Section: misc",
        "Priority: optional",
    ]
    if package["depends"]:
        control.append("Depends: %s" % ", ".join(package["depends"]))
    if package["conflicts"]:
        control.append("Conflicts: %s" % ", ".join(package["conflicts"]))
    control.append("Description: TEST DOUBLE of %s %s (privateai.deepseek_dify tests)" % (package["name"], package["version"]))
    control.append(" Stand-in with the real package's name and version; no NVIDIA software inside.")
    with open(os.path.join(root, "DEBIAN", "control"), "w") as handle:
        handle.write("\n".join(control) + "\n")
    filename = "%s_%s_amd64.deb" % (package["name"], package["version"].split(":")[-1])
    env = dict(os.environ, SOURCE_DATE_EPOCH="0")
    subprocess.check_call(["dpkg-deb", "--root-owner-group", "-Zgzip", "--build", root, os.path.join(repo, filename)],
                          env=env, stdout=subprocess.DEVNULL)
    return filename, control


def _stanza(repo, filename, control):
    with open(os.path.join(repo, filename), "rb") as handle:
        data = handle.read()
    fields = [line for line in control if not line.startswith(" ") and not line.startswith("Description")]
    fields += [
        "Filename: ./%s" % filename,
        "Size: %d" % len(data),
        "MD5sum: %s" % hashlib.md5(data).hexdigest(),
        "SHA256: %s" % hashlib.sha256(data).hexdigest(),
    ]
    fields += [line for line in control if line.startswith("Description") or line.startswith(" ")]
    return "\n".join(fields) + "\n"


def _release(repo, names):
    lines = ["Origin: privateai.deepseek_dify tests", "Label: stand-in NVIDIA packages (test doubles)",
             "Suite: standin", "Codename: standin", "Architectures: amd64", "Date: Thu, 01 Jan 1970 00:00:00 UTC"]
    for field, algo in (("MD5Sum", hashlib.md5), ("SHA256", hashlib.sha256)):
        lines.append("%s:" % field)
        for name in names:
            with open(os.path.join(repo, name), "rb") as handle:
                data = handle.read()
            lines.append(" %s %d %s" % (algo(data).hexdigest(), len(data), name))
    with open(os.path.join(repo, "Release"), "w") as handle:
        handle.write("\n".join(lines) + "\n")


def _sign(outdir, repo):
    home = tempfile.mkdtemp(prefix="standin-gnupg-")
    try:
        gpg = ["gpg", "--batch", "--homedir", home, "--pinentry-mode", "loopback", "--passphrase", ""]
        subprocess.check_call(gpg + ["--quick-generate-key", "privateai stand-in repository <tests@invalid>",
                                     "ed25519", "sign", "1d"], stderr=subprocess.DEVNULL)
        with open(os.path.join(outdir, "key.asc"), "wb") as handle:
            handle.write(subprocess.check_output(gpg + ["--armor", "--export"]))
        release = os.path.join(repo, "Release")
        for target in ("InRelease", "Release.gpg"):
            path = os.path.join(repo, target)
            if os.path.exists(path):
                os.unlink(path)
        subprocess.check_call(gpg + ["--clearsign", "-o", os.path.join(repo, "InRelease"), release], stderr=subprocess.DEVNULL)
        subprocess.check_call(gpg + ["-abs", "-o", os.path.join(repo, "Release.gpg"), release], stderr=subprocess.DEVNULL)
    finally:
        subprocess.call(["gpgconf", "--homedir", home, "--kill", "all"], stderr=subprocess.DEVNULL)
        shutil.rmtree(home, ignore_errors=True)


def build(outdir, kernel, spec_path=os.path.join(HERE, "nvidia_packages.yml")):
    with open(spec_path) as handle:
        spec = yaml.safe_load(handle)
    repo = os.path.join(outdir, "repo")
    shutil.rmtree(repo, ignore_errors=True)
    os.makedirs(repo)
    work = tempfile.mkdtemp(prefix="standin-debs-")
    stanzas = []
    try:
        for package in _packages(spec, kernel):
            filename, control = _build_deb(package, work, repo)
            stanzas.append(_stanza(repo, filename, control))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    text = "\n".join(stanzas)
    with open(os.path.join(repo, "Packages"), "w") as handle:
        handle.write(text)
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0) as handle:
        handle.write(text.encode())
    with open(os.path.join(repo, "Packages.gz"), "wb") as handle:
        handle.write(buffer.getvalue())
    _release(repo, ["Packages", "Packages.gz"])
    _sign(outdir, repo)
    return repo


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outdir")
    parser.add_argument("--kernel", default=platform.release(), help="kernel release for the linux-headers stand-in")
    args = parser.parse_args()
    repo = build(os.path.abspath(args.outdir), args.kernel)
    print(repo)


if __name__ == "__main__":
    main()
