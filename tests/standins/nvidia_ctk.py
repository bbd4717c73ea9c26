# TEST DOUBLE of NVIDIA's nvidia-ctk (container toolkit CLI), installed by the stand-in package
# nvidia-container-toolkit-base. It implements only what the nvidia_container_toolkit role calls, with the documented
# effect of the real commands:
#   nvidia-ctk runtime configure --runtime=containerd|docker --config=PATH [--set-as-default] [--dry-run]
#     adds an "nvidia" runtime (runc v2 shim running /usr/bin/nvidia-container-runtime) to containerd's config, or a
#     "runtimes.nvidia" entry to Docker's daemon.json; --dry-run prints the result instead of writing it.
#   nvidia-ctk cdi generate ...   fails as the real one does without a GPU (it needs NVML).
#   nvidia-ctk --version
from __future__ import absolute_import, division, print_function

import json
import os
import sys

VERSION = "@VERSION@"
RUNTIME = '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.nvidia]'


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


def main(argv):
    if argv[:1] == ["--version"]:
        print("NVIDIA Container Toolkit CLI version %s (stand-in)" % VERSION)
        return 0
    if argv[:2] == ["cdi", "generate"]:
        sys.stderr.write("stand-in nvidia-ctk: failed to initialize NVML: no NVIDIA GPU here\n")
        return 1
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
