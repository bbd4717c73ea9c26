# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import validate as v

# (check, value, good)
CHECK_CASES = [
    (v.check_dns_label, "gpu-operator", True),
    (v.check_dns_label, "a", True),
    (v.check_dns_label, "GPU-operator", False),
    (v.check_dns_label, "-gpu", False),
    (v.check_dns_label, "gpu.operator", False),
    (v.check_dns_label, "a" * 64, False),
    (v.check_dns_label, 4, False),
    (v.check_dns_subdomain, "privateai.device-plugin", True),
    (v.check_dns_subdomain, "privateai_device", False),
    (v.check_label_value, "", True),
    (v.check_label_value, "all-1g.10gb", True),
    (v.check_label_value, "all 1g", False),
    (v.check_label_value, "-all", False),
    (v.check_label_value, "a" * 64, False),
    (v.check_label_value, True, False),
    (v.check_label_key, "feature.node.kubernetes.io/pci-15b3.present", True),
    (v.check_label_key, "nvidia.com/gpu", True),
    (v.check_label_key, "a/b/c", False),
    (v.check_label_key, "Bad_Prefix!/x", False),
    (v.check_registry, "nvcr.io", True),
    (v.check_registry, "registry.example.internal:5000/nvcr.io", True),
    (v.check_registry, "registry.example.internal/", True),
    (v.check_registry, "https://nvcr.io", False),
    (v.check_registry, "nvcr.io/Nvidia", False),
    (v.check_registry, "nvcr.io:tag", False),
    (v.check_repository, "registry.k8s.io/nfd/node-feature-discovery", True),
    (v.check_repository, "registry.k8s.io/nfd/node-feature-discovery:v0.17", False),
    (v.check_image_reference, "nvcr.io/nvidia/mellanox/ib-sriov-cni:network-operator-v26.4.1", True),
    (v.check_image_reference, "registry:5000/a/b@sha256:" + "a" * 64, True),
    (v.check_image_reference, "nvcr.io/nvidia/x:bad tag", False),
    (v.check_image_reference, "nvcr.io/nvidia/x@sha256:zz", False),
    (v.check_tag, "network-operator-v26.4.1", True),
    (v.check_tag, "-x", False),
    (v.check_quantity, "10Gi", True),
    (v.check_quantity, "500m", True),
    (v.check_quantity, "10GB", False),
    (v.check_quantity, 10, False),
    (v.check_go_duration, "1h30m", True),
    (v.check_go_duration, "90s", True),
    (v.check_go_duration, "90", False),
    (v.check_go_duration, "1d", False),
    (v.check_interface_name, "ibp24s0", True),
    (v.check_interface_name, "a-very-long-interface-name", False),
    (v.check_interface_name, "ib0:1", False),
    (v.check_pci_id, "15b3", True),
    (v.check_pci_id, 1017, True),
    (v.check_pci_id, "0x15B3", True),
    (v.check_pci_id, "15b", False),
    (v.check_pci_id, True, False),
    (v.check_cidr, "10.230.0.0/16", True),
    (v.check_cidr, "fd00::/64", True),
    (v.check_cidr, "10.230.0.1/16", False),
    (v.check_cidr, "10.230.0.0", True),
    (v.check_cidr, "ten", False),
    (v.check_dcgm_field, "DCGM_FI_DEV_ECC_DBE_VOL_TOTAL", True),
    (v.check_dcgm_field, "DCGM_FI_PROF_SM_ACTIVE", True),
    (v.check_dcgm_field, "dcgm_fi_dev_gpu_temp", False),
    (v.check_dcgm_field, "DCGM_FI_DEV_GPU_TEMP,gauge", False),
    (v.check_dcgm_field, "DCGM_FI_", False),
    (v.check_dcgm_field, "DEV_GPU_TEMP", False),
    (v.check_dcgm_field, 150, False),
    (v.check_csv_text, "Double-bit (uncorrectable) ECC errors.", True),
    (v.check_csv_text, "errors, double-bit", False),
    (v.check_csv_text, "two\nlines", False),
    (v.check_csv_text, 'a "quoted" word', False),
    (v.check_csv_text, " ", False),
]


@pytest.mark.parametrize("check, value, good", CHECK_CASES, ids=["%s-%r" % (c[0].__name__, c[1]) for c in CHECK_CASES])
def test_checks(check, value, good):
    problems = check("some_var", value)
    if good:
        assert problems == []
    else:
        assert len(problems) == 1
        assert problems[0].startswith("some_var is %s" % v.describe(value)), problems


# (converter, value, expected or None when refused)
CONVERT_CASES = [
    (v.to_bool, True, True),
    (v.to_bool, "yes", True),
    (v.to_bool, "False", False),
    (v.to_bool, 0, False),
    (v.to_bool, "ture", None),
    (v.to_bool, "", None),
    (v.to_bool, 2, None),
    (v.to_int, 4, 4),
    (v.to_int, "4", 4),
    (v.to_int, " 12 ", 12),
    (v.to_int, 4.0, 4),
    (v.to_int, 4.5, None),
    (v.to_int, "four", None),
    (v.to_int, True, None),
    (v.to_str, "x", "x"),
    (v.to_str, 26.4, "26.4"),
    (v.to_str, None, None),
    (v.to_str, ["x"], None),
    (v.to_list, ["a"], ["a"]),
    (v.to_list, "a, b", ["a", "b"]),
    (v.to_list, {"a": 1}, None),
    (v.to_list, "a,,b ,", ["a", "b"]),
    (v.to_list, 4, ["4"]),              # Ansible's list type: a number becomes a one-item list of its text
    (v.to_list, True, None),
    (v.to_list, None, None),
    (v.to_bool, "no", False),
    (v.to_bool, " ON ", True),
    (v.to_bool, 1.0, True),
    (v.to_bool, None, None),
    (v.to_bool, [], None),
    (v.to_int, "4.5", None),
    (v.to_int, "4_0", None),
    (v.to_dict, {}, {}),
    (v.to_dict, [], None),
]


@pytest.mark.parametrize("converter, value, expected", CONVERT_CASES,
                         ids=["%s-%r" % (c[0].__name__, c[1]) for c in CONVERT_CASES])
def test_converters(converter, value, expected):
    if expected is None:
        with pytest.raises(v.Invalid) as err:
            converter("some_var", value)
        assert str(err.value).startswith("some_var is %s: give" % v.describe(value))
    else:
        result = converter("some_var", value)
        assert result == expected and type(result) is type(expected)


def test_choice_is_checked_before_use():
    assert v.to_choice("x_mode", "mps", ("none", "mps")) == "mps"
    with pytest.raises(v.Invalid, match="x_mode is 'MPS': give one of none, mps"):
        v.to_choice("x_mode", "MPS", ("none", "mps"))
    with pytest.raises(v.Invalid, match="give one of"):
        v.to_choice("x_mode", ["mps"], ("none", "mps"))


def test_hours():
    assert v.hours("d", "2160h") == 2160
    with pytest.raises(v.Invalid, match="d is '90d': give whole hours"):
        v.hours("d", "90d")


def test_labels_refuse_typed_values_and_bad_keys():
    assert v.check_labels("sel", {"feature.node.kubernetes.io/pci-15b3.present": "true"}) == []
    problems = v.check_labels("sel", {"a/b/c": "x", "ok": True, "fine": "bad value"})
    assert len(problems) == 3
    assert any("sel[ok] is True: label values are strings, quote it (\"true\")" in p for p in problems)
    assert any("sel key is 'a/b/c'" in p for p in problems)
    assert any("sel[fine] is 'bad value'" in p for p in problems)


def test_reader_gathers_every_problem_and_reports_unread_names():
    reader = v.Reader({"a": "ture", "b": "4", "c": "x", "typo_name": 1})
    assert reader.read("a", v.to_bool) is None
    assert reader.read("b", v.to_int) == 4
    assert reader.read("missing", v.to_int) is None
    assert reader.read("c", v.to_choice, ("y",)) is None
    assert len(reader.problems) == 3
    assert reader.problems[1].startswith("missing is not set")
    assert reader.unread() == ["typo_name"]


def test_unknown_keys():
    assert v.unknown_keys("t", {"key": 1}, ("key", "value")) == []
    assert v.unknown_keys("t", {"kye": 1}, ("key", "value")) == ["t: unknown key 'kye' (known: key, value)"]


# The one rule per thing (validate.py value rules), asserted here so that a rule changed for one stage is seen
# changing for all of them. (rule, value, good)
RULE_CASES = [
    (v.interface_name, "ibp1s0", True),
    (v.interface_name, "ens1f0np0.100", True),
    (v.interface_name, "x" * 15, True),              # IFNAMSIZ 16 with the NUL
    (v.interface_name, "x" * 16, False),
    (v.interface_name, "_ib0", True),
    (v.interface_name, ".", False),
    (v.interface_name, "..", False),
    (v.interface_name, "ib/0", False),
    (v.interface_name, "ib0:1", False),              # an alias label; the kernel refuses ':'
    (v.interface_name, "ib 0", False),
    (v.interface_name, "ib0\tx", False),
    (v.interface_name, "-ib0", False),               # would read as an option of ip(8)
    (v.interface_name, "", False),
    (v.interface_name, 0, False),
    (v.kernel_module, "mlx5_ib", True),
    (v.kernel_module, "nvidia-peermem", True),
    (v.kernel_module, "a" * 55, True),               # MODULE_NAME_LEN 56 with the NUL
    (v.kernel_module, "a" * 56, False),
    (v.kernel_module, "-r", False),                  # would read as an option of modprobe
    (v.kernel_module, "mlx5 ib", False),
    (v.kernel_module, "../evil", False),
    (v.kernel_module, "mlx5.ib", False),
    (v.unit_name, "nvidia-dcgm", True),
    (v.unit_name, "vfs@ib0.service", True),
    (v.unit_name, "vfs;reboot", False),
    (v.unit_name, "a" * 256, False),
    (v.file_name_part, "ib-rail0", True),
    (v.file_name_part, "..", False),
    (v.file_name_part, "rail/0", False),
    (v.absolute_path, "/etc/x y", False),
    (v.absolute_path, "/etc/a/..", False),
    (v.absolute_path, "/etc/a..b", True),
    (v.plain_path, "/usr/local/libexec/privateai-sriov-vfs", True),
    (v.plain_path, "/etc/$(reboot)", False),
    (v.plain_path, "/etc/dir/", False),
    (v.plain_path, "/etc/../shadow", False),
    (v.plain_path, 5, False),
    (v.hostname, "ntp1.example.org", True),
    (v.hostname, "fd00::1", True),
    (v.hostname, "ntp1 ntp2", False),
    (v.sysctl_key, "net.ipv4.ip_forward", True),
    (v.sysctl_key, "net.core.somaxconn\nkernel.panic", False),
    (v.positive, 1, True),
    (v.positive, True, False),
    (v.not_negative, -1, False),
]


@pytest.mark.parametrize("rule, value, good", RULE_CASES, ids=["%s-%r" % (c[0].__name__, c[1]) for c in RULE_CASES])
def test_value_rules(rule, value, good):
    answer = rule(value)
    if good:
        assert answer is None
    else:
        assert answer.startswith("must be "), answer
