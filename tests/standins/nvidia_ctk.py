# TEST DOUBLE of NVIDIA's nvidia-ctk (container toolkit CLI), installed by the stand-in package
# nvidia-container-toolkit-base. It implements only what the nvidia_container_toolkit role calls, with the documented
# effect of the real commands:
#   nvidia-ctk runtime configure --runtime=containerd|docker --config=PATH [--set-as-default] [--dry-run]
#     adds an "nvidia" runtime (runc v2 shim running /usr/bin/nvidia-container-runtime) to containerd's config, or a
#     "runtimes.nvidia" entry to Docker's daemon.json; --dry-run prints the result instead of writing it.
#   nvidia-ctk config [--config-file=PATH] [--set KEY=VALUE ...] [--in-place | --output=PATH]
#     reads the toolkit's config.toml (the toolkit's defaults when the file is missing), sets each KEY (a top-level
#     key or TABLE.KEY of the toolkit's config; an unknown key or a value of the wrong type is refused) and prints the
#     result, or writes it back (--in-place) or to PATH (--output); --in-place and --output together are refused.
#   nvidia-ctk cdi generate ...   fails as the real one does without a GPU (it needs NVML).
#   nvidia-ctk --version
from __future__ import absolute_import, division, print_function

import json
import os
import sys

VERSION = "@VERSION@"
RUNTIME = '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.nvidia]'
TOOLKIT_CONFIG = "/etc/nvidia-container-runtime/config.toml"
# The toolkit's default config.toml: keys left at their default are commented out, as the real tool writes them.
DEFAULT_TOOLKIT_CONFIG = """#accept-nvidia-visible-devices-as-volume-mounts = false
#accept-nvidia-visible-devices-envvar-when-unprivileged = true
disable-require = false
supported-driver-capabilities = "compat32,compute,display,graphics,ngx,utility,video"
#swarm-resource = "DOCKER_RESOURCE_GPU"

[nvidia-container-cli]
#debug = "/var/log/nvidia-container-toolkit.log"
environment = []
#ldcache = "/etc/ld.so.cache"
ldconfig = "@/sbin/ldconfig"
load-kmods = true
#no-cgroups = false
#path = "/usr/bin/nvidia-container-cli"
#root = "/run/nvidia/driver"
#user = "root:video"

[nvidia-container-runtime]
#debug = "/var/log/nvidia-container-runtime.log"
log-level = "info"
mode = "auto"
runtimes = ["runc", "crun"]

[nvidia-container-runtime-hook]
path = "nvidia-container-runtime-hook"
skip-mode-detection = false

[nvidia-ctk]
path = "nvidia-ctk"
"""
TRUE_WORDS = ("1", "t", "T", "TRUE", "true", "True")
FALSE_WORDS = ("0", "f", "F", "FALSE", "false", "False")


def containerd(text, default):
    if RUNTIME not in text:
        text = text.rstrip("\n") + "\n\n" + "\n".join([
            "        " + RUNTIME,
            '          runtime_type = "io.containerd.runc.v2"',
            "          " + RUNTIME[:-1] + '.options]',
            '            BinaryName = "/usr/bin/nvidia-container-runtime"',
        ]) + "\n"
    if default:
        lines = []
        for line in text.splitlines():
            if line.strip().startswith("default_runtime_name"):
                line = line.split("default_runtime_name")[0] + 'default_runtime_name = "nvidia"'
            lines.append(line)
        text = "\n".join(lines) + "\n"
    return text


def docker(text, default):
    config = json.loads(text or "{}")
    config.setdefault("runtimes", {})["nvidia"] = {"args": [], "path": "nvidia-container-runtime"}
    if default:
        config["default-runtime"] = "nvidia"
    return json.dumps(config, indent=4, sort_keys=True) + "\n"


def _key_line(line):
    """(key, commented) of a 'key = value' line (commented out or not), else (None, False)."""
    stripped = line.strip()
    commented = stripped.startswith("#")
    stripped = stripped.lstrip("#").strip()
    if "=" not in stripped or stripped.startswith("["):
        return None, False
    return stripped.split("=", 1)[0].strip(), commented


def _sections(text):
    """{(table, key): (line index, current value text)} of every key the config knows, commented or not."""
    known, table = {}, ""
    for index, line in enumerate(text.splitlines()):
        if line.strip().startswith("[") and not line.strip().startswith("#"):
            table = line.strip().strip("[]")
            continue
        key, dummy = _key_line(line)
        if key:
            known[(table, key)] = (index, line.lstrip().lstrip("#").split("=", 1)[1].strip())
    return known


def toolkit_set(text, assignment):
    """The config with KEY=VALUE set, or raises ValueError as the real tool refuses it."""
    key, sep, value = assignment.partition("=")
    table, dummy, name = key.rpartition(".")
    known = _sections(DEFAULT_TOOLKIT_CONFIG)
    if (table, name) not in known:
        raise ValueError("invalid --set option %s: invalid config option: undefined field %r" % (assignment, key))
    default = known[(table, name)][1]
    if default in ("true", "false"):
        if not sep:
            value = "true"
        elif value in TRUE_WORDS or value in FALSE_WORDS:
            value = "true" if value in TRUE_WORDS else "false"
        else:
            raise ValueError("invalid --set option %s: invalid format: %r is not a boolean" % (assignment, value))
    elif not sep:
        raise ValueError("invalid --set option %s: invalid format: expected key=value" % assignment)
    elif default.startswith("["):
        value = "[" + ", ".join(json.dumps(part) for part in value.split(",")) + "]"
    else:
        value = json.dumps(value)
    lines = text.splitlines()
    found = _sections(text).get((table, name))
    if found:
        lines[found[0]] = name + " = " + value
    else:
        # A key the file lacks goes to the end of its table (the top-level keys before the first table).
        start = 0 if not table else next(
            (i + 1 for i, line in enumerate(lines) if line.strip() == "[" + table + "]"), None)
        if start is None:
            lines += ["", "[" + table + "]"]
            start = len(lines)
        end = next((i for i in range(start, len(lines)) if lines[i].strip().startswith("[")), len(lines))
        while end > start and not lines[end - 1].strip():
            end -= 1
        lines.insert(end, name + " = " + value)
    return "\n".join(lines) + "\n"


def config(argv):
    path, output, in_place, sets = TOOLKIT_CONFIG, None, False, []
    args = list(argv)
    while args:
        arg = args.pop(0)
        flag, sep, value = arg.partition("=")
        if flag in ("--config-file", "--config", "-c", "--set", "--output", "-o") and not sep:
            if not args:
                sys.stderr.write("stand-in nvidia-ctk: flag needs an argument: %s\n" % flag)
                return 1
            value = args.pop(0)
        if flag in ("--config-file", "--config", "-c"):
            path = value
        elif flag == "--set":
            sets.append(value)
        elif flag in ("--output", "-o"):
            output = value
        elif flag in ("--in-place", "-i"):
            in_place = True
        else:
            sys.stderr.write("stand-in nvidia-ctk: unsupported config option %s\n" % arg)
            return 2
    if in_place and output:
        sys.stderr.write("stand-in nvidia-ctk: cannot specify both --in-place and --output\n")
        return 1
    text = open(path).read() if os.path.exists(path) else DEFAULT_TOOLKIT_CONFIG
    try:
        for assignment in sets:
            text = toolkit_set(text, assignment)
    except ValueError as error:
        sys.stderr.write("stand-in nvidia-ctk: %s\n" % error)
        return 1
    target = path if in_place else output
    if not target:
        sys.stdout.write(text)
        return 0
    if os.path.dirname(target) and not os.path.isdir(os.path.dirname(target)):
        os.makedirs(os.path.dirname(target), 0o755)
    with open(target, "w") as handle:
        handle.write(text)
    return 0


def main(argv):
    if argv[:1] == ["--version"]:
        print("NVIDIA Container Toolkit CLI version %s (stand-in)" % VERSION)
        return 0
    if argv[:2] == ["cdi", "generate"]:
        sys.stderr.write("stand-in nvidia-ctk: failed to initialize NVML: no NVIDIA GPU here\n")
        return 1
    if argv[:1] == ["config"]:
        return config(argv[1:])
    if argv[:2] != ["runtime", "configure"]:
        sys.stderr.write("stand-in nvidia-ctk: unsupported command %s\n" % " ".join(argv))
        return 2
    opts = dict(a[2:].split("=", 1) for a in argv[2:] if a.startswith("--") and "=" in a)
    flags = set(a[2:] for a in argv[2:] if a.startswith("--") and "=" not in a)
    runtime = opts.get("runtime", "docker")
    path = opts.get("config", "/etc/containerd/config.toml" if runtime == "containerd" else "/etc/docker/daemon.json")
    text = open(path).read() if os.path.exists(path) else ""
    result = (containerd if runtime == "containerd" else docker)(text, "set-as-default" in flags)
    if "dry-run" in flags:
        sys.stdout.write(result)
        return 0
    with open(path, "w") as handle:
        handle.write(result)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
