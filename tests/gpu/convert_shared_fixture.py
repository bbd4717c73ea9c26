"""Converts the shared real reading (../shared/fixtures/nvml/h100x2-nvswitch.json, a summary format
written before our snapshot format existed) into a privateai-nvml-snapshot/1 file.

Only what the reading holds is carried over; fields it never recorded (power limits, clock event
reasons beyond the bitmask, fabric state, error counters, CPU affinity) are marked "ERR:Not Recorded"
so no test can mistake them for values the driver gave.

Usage: python tests/gpu/convert_shared_fixture.py SRC DEST
"""

import json
import sys

NOT_RECORDED = "ERR:Not Recorded"


def convert(src, name):
    gpus = []
    for g in src["gpus"]:
        links = []
        for l in g.get("nvlink", []):
            if isinstance(l.get("state"), str):
                break  # the reading stopped at the first link NVML refused (Invalid Argument)
            links.append({"link": l["link"], "state": l["state"], "version": l.get("ver"),
                          "remote_pci": l.get("remote"), "remote_type": NOT_RECORDED, "errors": {}})
        numa = g.get("numa")
        gpus.append({
            "index": g["index"], "name": g["name"], "uuid": g["uuid"], "pci_bus_id": g["pci"],
            "memory_total": g["mem_total"], "compute_capability": g["cc"], "persistence_mode": g["persistence"],
            "mig_mode": g["mig"],
            "power_limit": {"enforced": NOT_RECORDED, "default": NOT_RECORDED, "min": NOT_RECORDED, "max": NOT_RECORDED},
            "power_usage": g.get("power_mw"),
            "numa_node": numa if isinstance(numa, int) else None, "numa_source": "nvml" if isinstance(numa, int) else "none",
            "cpu_affinity": None,
            "ecc_mode": g["ecc_mode"], "ecc_uncorrected_volatile": g["ecc_uncorr_vol"],
            "ecc_uncorrected_aggregate": g["ecc_uncorr_agg"], "retired_pages_pending": NOT_RECORDED,
            "remapped_rows": g["remapped_rows"], "clock_event_reasons": g["throttle"],
            "temperature": g["temp"], "temperature_slowdown": NOT_RECORDED,
            "pcie": {"gen": g["pcie_gen"], "gen_max": g["pcie_gen_max"], "width": g["pcie_width"],
                     "width_max": g["pcie_width_max"], "replay_counter": NOT_RECORDED},
            "fabric": NOT_RECORDED,
            "nvlinks": links,
        })
    pairs = {}
    for key, t in src["topology"].items():
        p2p = {"read": t["p2p_read"], "nvlink": t["p2p_nvlink"], "write": NOT_RECORDED, "atomics": NOT_RECORDED}
        pairs[key] = {"ancestor": t["ancestor"], "p2p": p2p}
    return {
        "format": "privateai-nvml-snapshot/1",
        "source": "converted from %s, a real reading of a 2x H100 NVSwitch VM; fields it did not record are %s"
                  % (name, NOT_RECORDED),
        "nvml_available": True, "reason": None,
        "driver_version": src["driver"], "cuda_driver_version": src["cuda_driver"], "nvml_version": None,
        "kernel_module_version": src["driver"],
        "gpus": gpus, "pairs": pairs,
        "sysfs": {"gpu_paths": {}, "nics": []},
        "kernel_log": [],
        "reference": {"nvidia-smi topo -m": src.get("nvidia-smi topo -m"), "timing_s": src.get("timing_s")},
    }


if __name__ == "__main__":
    with open(sys.argv[1]) as handle:
        data = json.load(handle)
    with open(sys.argv[2], "w") as handle:
        json.dump(convert(data, "shared/fixtures/nvml/h100x2-nvswitch.json"), handle, indent=1, sort_keys=True)
        handle.write("\n")
