"""NVML at the library boundary: `selectcheck hardware`, `validate --detect-hardware` and SC106.

A fake `pynvml` module replaces the real one in `sys.modules`. It provides the functions
selectcheck calls with the names, arguments and return types of nvidia-ml-py (`pynvml.py`):
`nvmlDeviceGetName` returns `str` (nvidia-ml-py ≥ 11.515; `bytes` before, also tested),
`nvmlDeviceGetMemoryInfo` a struct with `.total` in bytes, errors are `NVMLError(value)` with
the library's codes. `test_real_nvml` runs against the real library when a driver is present
(skipped otherwise).
"""

from __future__ import annotations

import json
import sys
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import pytest
import yaml

from selectcheck.errors import ConfigError
from tests.conftest import BASE_RECORD, CliResult, invoke

MIB = 1024 * 1024
H100 = ("NVIDIA H100 80GB HBM3", 81_559 * MIB)  # measured (gpus.md)
H200 = ("NVIDIA H200", 143_771 * MIB)  # measured
L4 = ("NVIDIA L4", 23_034 * MIB)

NVML_ERROR_UNINITIALIZED = 1
NVML_ERROR_DRIVER_NOT_LOADED = 9
NVML_ERROR_LIBRARY_NOT_FOUND = 12
NVML_ERROR_GPU_IS_LOST = 15


class FakeNVMLError(Exception):
    """Like `pynvml.NVMLError`: built from an error code, `str()` is the library's text."""

    _text: ClassVar[dict[int, str]] = {
        NVML_ERROR_UNINITIALIZED: "Uninitialized",
        NVML_ERROR_DRIVER_NOT_LOADED: "Driver Not Loaded",
        NVML_ERROR_LIBRARY_NOT_FOUND: "NVML Shared Library Not Found",
        NVML_ERROR_GPU_IS_LOST: "GPU is lost",
    }

    def __init__(self, value: int) -> None:
        super().__init__(value)
        self.value = value

    def __str__(self) -> str:
        return self._text.get(self.value, f"NVML Error with code {self.value}")


@dataclass
class _Memory:  # c_nvmlMemory_t
    total: int
    free: int
    used: int


@dataclass
class FakeNvml:
    devices: list[tuple[str, int]] = field(default_factory=list)
    init_error: int | None = None
    memory_error: int | None = None
    bytes_names: bool = False
    driver: str = "580.159.04"
    calls: list[str] = field(default_factory=list)
    initialized: bool = False

    def module(self) -> types.ModuleType:
        module = types.ModuleType("pynvml")
        module.NVMLError = FakeNVMLError  # type: ignore[attr-defined]
        module.NVML_ERROR_LIBRARY_NOT_FOUND = NVML_ERROR_LIBRARY_NOT_FOUND  # type: ignore[attr-defined]
        for name in (
            "nvmlInit",
            "nvmlShutdown",
            "nvmlSystemGetDriverVersion",
            "nvmlDeviceGetCount",
            "nvmlDeviceGetHandleByIndex",
            "nvmlDeviceGetName",
            "nvmlDeviceGetMemoryInfo",
        ):
            setattr(module, name, getattr(self, name))
        return module

    def _check(self) -> None:
        if not self.initialized:
            raise FakeNVMLError(NVML_ERROR_UNINITIALIZED)

    def nvmlInit(self) -> None:
        self.calls.append("init")
        if self.init_error is not None:
            raise FakeNVMLError(self.init_error)
        self.initialized = True

    def nvmlShutdown(self) -> None:
        self.calls.append("shutdown")
        self._check()
        self.initialized = False

    def nvmlSystemGetDriverVersion(self) -> str:
        self._check()
        return self.driver

    def nvmlDeviceGetCount(self) -> int:
        self._check()
        return len(self.devices)

    def nvmlDeviceGetHandleByIndex(self, index: int) -> object:
        self._check()
        if not 0 <= index < len(self.devices):
            raise FakeNVMLError(2)  # invalid argument
        return ("handle", index)

    def nvmlDeviceGetName(self, handle: Any) -> str | bytes:
        self._check()
        name = self.devices[handle[1]][0]
        return name.encode() if self.bytes_names else name

    def nvmlDeviceGetMemoryInfo(self, handle: Any, version: Any = None) -> _Memory:
        self._check()
        if self.memory_error is not None:
            raise FakeNVMLError(self.memory_error)
        total = self.devices[handle[1]][1]
        return _Memory(total=total, free=total - 500 * MIB, used=500 * MIB)


@pytest.fixture
def nvml(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., FakeNvml]]:
    def install(*devices: tuple[str, int], **options: Any) -> FakeNvml:
        fake = FakeNvml(list(devices), **options)
        monkeypatch.setitem(sys.modules, "pynvml", fake.module())
        return fake

    yield install


def _project(tmp_path: Path, hardware: str, *, name: str = "0001-faq.yaml") -> Path:
    (tmp_path / "records").mkdir(exist_ok=True)
    text = BASE_RECORD.read_text(encoding="utf-8")
    old = "    hardware: {gpu: A100-80GB}\n"
    assert old in text
    (tmp_path / "records" / name).write_text(text.replace(old, f"    hardware: {hardware}\n"), encoding="utf-8")
    return tmp_path


def _validate(tmp_path: Path, *extra: str) -> tuple[CliResult, list[dict[str, Any]]]:
    result = invoke(["validate", "--format", "json", *extra, "records"], tmp_path)
    if result.exit_code == 2:
        return result, []
    return result, [d for d in result.json()["diagnostics"] if d["code"] == "SC106"]


# --------------------------------------------------------------------------- detect_gpus


def test_detect_gpus_reads_names_and_totals(nvml: Callable[..., FakeNvml]) -> None:
    from selectcheck.hardware import detect_gpus

    fake = nvml(H100, L4)
    gpus = detect_gpus()
    assert [(g.index, g.name, g.total_bytes, g.total_mib) for g in gpus] == [
        (0, "NVIDIA H100 80GB HBM3", 81_559 * MIB, 81_559),
        (1, "NVIDIA L4", 23_034 * MIB, 23_034),
    ]
    assert fake.calls == ["init", "shutdown"] and not fake.initialized


def test_detect_gpus_decodes_bytes_names_of_old_nvidia_ml_py(nvml: Callable[..., FakeNvml]) -> None:
    from selectcheck.hardware import read_nvml

    nvml(H200, bytes_names=True)
    report = read_nvml()
    assert report.gpus[0].name == "NVIDIA H200"
    assert report.driver_version == "580.159.04"


def test_no_driver_is_a_config_error(nvml: Callable[..., FakeNvml]) -> None:
    from selectcheck.hardware import detect_gpus

    fake = nvml(init_error=NVML_ERROR_LIBRARY_NOT_FOUND)
    with pytest.raises(ConfigError) as caught:
        detect_gpus()
    assert "NVML Shared Library Not Found" in caught.value.message
    assert "\n" not in caught.value.message
    assert caught.value.help and "NVIDIA GPU with its driver" in caught.value.help
    assert fake.calls == ["init"]


def test_a_failing_query_still_shuts_nvml_down(nvml: Callable[..., FakeNvml]) -> None:
    from selectcheck.hardware import detect_gpus

    fake = nvml(H100, memory_error=NVML_ERROR_GPU_IS_LOST)
    with pytest.raises(ConfigError, match="GPU is lost"):
        detect_gpus()
    assert fake.calls == ["init", "shutdown"]


def test_missing_pynvml_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from selectcheck.hardware import detect_gpus

    monkeypatch.setitem(sys.modules, "pynvml", None)  # import raises ImportError
    with pytest.raises(ConfigError, match="nvidia-ml-py"):
        detect_gpus()


@pytest.mark.parametrize(
    ("name", "mib", "expected"),
    [
        ("NVIDIA H100 80GB HBM3", 81_559, "H100-80GB"),
        ("NVIDIA H100 PCIe", 81_559, "H100-80GB"),
        ("NVIDIA H100 NVL", 95_830, "H100-NVL"),
        ("NVIDIA H200", 143_771, "H200"),
        ("NVIDIA A100-SXM4-40GB", 40_960, "A100-40GB"),
        ("NVIDIA A100-SXM4-80GB", 81_920, "A100-80GB"),
        ("NVIDIA A100-PCIE-80GB", 81_920, "A100-80GB"),  # not an alias: model tokens + memory
        ("NVIDIA A100-PCIE-40GB", 40_960, "A100-40GB"),
        ("Tesla T4", 15_360, "T4"),
        ("Tesla V100-SXM2-32GB", 32_510, "V100-32GB"),
        ("NVIDIA A10G", 23_028, "A10G"),
        ("NVIDIA A10", 23_028, "A10"),
        ("NVIDIA L4", 23_034, "L4"),
        ("NVIDIA L40S", 46_068, "L40S"),
        ("NVIDIA GeForce RTX 4090", 24_564, "RTX-4090"),
        ("NVIDIA RTX 6000 Ada Generation", 49_140, "RTX-6000-Ada"),
        ("NVIDIA RTX A6000", 49_140, "RTX-A6000"),
        ("NVIDIA H800", 81_559, None),
        ("NVIDIA L40", 46_068, None),
        ("NVIDIA GH200 480GB", 97_871, None),
    ],
)
def test_match_catalog_gpu(name: str, mib: int, expected: str | None) -> None:
    from selectcheck.catalog import catalog_for
    from selectcheck.hardware import DetectedGpu, match_catalog_gpu
    from selectcheck.policy_loader import load_policy

    catalog = catalog_for(load_policy(None).catalog_files)
    entry = match_catalog_gpu(DetectedGpu(0, name, mib * MIB), catalog.gpus)
    assert (entry.id if entry is not None else None) == expected


# --------------------------------------------------------------------------- selectcheck hardware


def test_hardware_prints_a_ready_to_paste_block(tmp_path: Path, nvml: Callable[..., FakeNvml]) -> None:
    nvml(H100)
    result = invoke(["hardware"], tmp_path)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("# NVIDIA GPUs found by NVML (driver 580.159.04)")
    assert "# GPU 0: NVIDIA H100 80GB HBM3, 81,559 MiB (85.5 GB) total per GPU; catalog H100-80GB" in lines
    assert lines[-1] == "hardware: {gpu: H100-80GB, count: 1}"
    # Pasted into a record it is valid and names a catalog GPU: no SC002, no SC104.
    _project(tmp_path, lines[-1].removeprefix("hardware: "))
    check = invoke(["validate", "--format", "json", "records"], tmp_path)
    assert check.exit_code == 0, check.stdout
    assert not [d for d in check.json()["diagnostics"] if d["code"] in ("SC002", "SC104")]


def test_hardware_groups_identical_gpus(tmp_path: Path, nvml: Callable[..., FakeNvml]) -> None:
    nvml(H100, H100, L4, H100)
    result = invoke(["hardware"], tmp_path)
    assert result.exit_code == 0, result.stderr
    blocks = [line for line in result.stdout.splitlines() if line.startswith("hardware:")]
    assert blocks == ["hardware: {gpu: H100-80GB, count: 3}", "hardware: {gpu: L4, count: 1}"]
    assert "# GPUs 0, 1, 3: NVIDIA H100 80GB HBM3" in result.stdout


def test_hardware_unknown_card_gets_vram_gb(tmp_path: Path, nvml: Callable[..., FakeNvml]) -> None:
    nvml(("NVIDIA H800", 81_559 * MIB))
    result = invoke(["hardware"], tmp_path)
    assert result.exit_code == 0, result.stderr
    block = result.stdout.splitlines()[-1]
    assert block == "hardware: {gpu: H800, vram_gb: 85.5, count: 1}"
    assert "not in the GPU catalog" in result.stdout
    parsed = yaml.safe_load(block)["hardware"]
    assert parsed == {"gpu": "H800", "vram_gb": 85.5, "count": 1}
    _project(tmp_path, block.removeprefix("hardware: "))
    check = invoke(["validate", "--format", "json", "records"], tmp_path)
    assert not [d for d in check.json()["diagnostics"] if d["code"] in ("SC002", "SC104")]


def test_hardware_json(tmp_path: Path, nvml: Callable[..., FakeNvml]) -> None:
    nvml(H100, L4)
    result = invoke(["hardware", "--format", "json"], tmp_path)
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["driver_version"] == "580.159.04"
    assert data["gpus"] == [
        {
            "index": 0,
            "name": "NVIDIA H100 80GB HBM3",
            "total_bytes": 81_559 * MIB,
            "total_mib": 81_559,
            "catalog_id": "H100-80GB",
        },
        {"index": 1, "name": "NVIDIA L4", "total_bytes": 23_034 * MIB, "total_mib": 23_034, "catalog_id": "L4"},
    ]
    assert data["hardware"] == [{"gpu": "H100-80GB", "count": 1}, {"gpu": "L4", "count": 1}]


@pytest.mark.parametrize("code", [NVML_ERROR_LIBRARY_NOT_FOUND, NVML_ERROR_DRIVER_NOT_LOADED])
def test_hardware_without_a_driver_exits_2_in_one_line(
    tmp_path: Path, nvml: Callable[..., FakeNvml], code: int
) -> None:
    nvml(init_error=code)
    result = invoke(["hardware"], tmp_path)
    assert result.exit_code == 2
    assert result.stdout == ""
    first, *rest = result.stderr.splitlines()
    assert first.startswith("selectcheck: error: cannot read the local GPUs: NVML did not start")
    assert rest == [line for line in rest if line.startswith("  help: ")] and len(rest) == 1
    assert "Traceback" not in result.stderr


def test_hardware_with_no_gpu_exits_2(tmp_path: Path, nvml: Callable[..., FakeNvml]) -> None:
    nvml()
    result = invoke(["hardware"], tmp_path)
    assert result.exit_code == 2
    assert "NVML found no NVIDIA GPU on this machine (driver 580.159.04)" in result.stderr


# --------------------------------------------------------------------------- SC106


def test_sc106_different_model(tmp_path: Path, nvml: Callable[..., FakeNvml]) -> None:
    nvml(H100)
    _project(tmp_path, "{gpu: A100-80GB}")
    result, sc106 = _validate(tmp_path, "--detect-hardware")
    assert result.exit_code == 1
    [diag] = sc106
    assert diag["severity"] == "error" and diag["pointer"] == "/workloads/0/hardware/gpu"
    assert (diag["line"], diag["column"]) == (18, 21)
    assert diag["message"] == (
        "workload 'serving' declares 1 × A100-80GB (81,920 MiB), but this machine has "
        "1 × NVIDIA H100 80GB HBM3 (H100-80GB, 81,559 MiB): a different GPU model"
    )
    assert "`selectcheck hardware`" in diag["help"]


def test_sc106_less_memory(tmp_path: Path, nvml: Callable[..., FakeNvml]) -> None:
    nvml(H100)
    _project(tmp_path, "{gpu: H200}")
    result, [diag] = _validate(tmp_path, "--detect-hardware")
    assert result.exit_code == 1
    assert "declares 1 × H200 (143,771 MiB)" in diag["message"]
    assert diag["message"].endswith("a different GPU model with less memory")


def test_sc106_same_card_passes(tmp_path: Path, nvml: Callable[..., FakeNvml]) -> None:
    nvml(H100)
    _project(tmp_path, "{gpu: H100-80GB, count: 1}")
    result, sc106 = _validate(tmp_path, "--detect-hardware")
    assert result.exit_code == 0, result.stdout
    assert sc106 == []


def test_sc106_aliases_and_vram_gb(tmp_path: Path, nvml: Callable[..., FakeNvml]) -> None:
    nvml(H100)
    _project(tmp_path, "{gpu: NVIDIA H100 80GB HBM3}")
    assert _validate(tmp_path, "--detect-hardware")[1] == []
    _project(tmp_path, "{vram_gb: 80}")  # 85.5 GB detected
    assert _validate(tmp_path, "--detect-hardware")[1] == []
    _project(tmp_path, "{vram_gb: 94}")
    [diag] = _validate(tmp_path, "--detect-hardware")[1]
    assert diag["pointer"] == "/workloads/0/hardware/vram_gb"
    assert diag["message"].endswith("less memory per GPU (85.5 GB detected, 94.0 GB declared)")


def test_sc106_fewer_gpus(tmp_path: Path, nvml: Callable[..., FakeNvml]) -> None:
    nvml(H100)
    _project(tmp_path, "{gpu: H100-80GB, count: 2}")
    [diag] = _validate(tmp_path, "--detect-hardware")[1]
    assert diag["pointer"] == "/workloads/0/hardware/count"
    assert "declares 2 × H100-80GB" in diag["message"] and diag["message"].endswith(
        "fewer GPUs than the workload needs"
    )


def test_sc106_mixed_machine_uses_the_matching_gpus(tmp_path: Path, nvml: Callable[..., FakeNvml]) -> None:
    nvml(L4, H100, H100)
    _project(tmp_path, "{gpu: H100-80GB, count: 2}")
    assert _validate(tmp_path, "--detect-hardware")[1] == []
    _project(tmp_path, "{gpu: L4, count: 2}")
    [diag] = _validate(tmp_path, "--detect-hardware")[1]
    assert "a different GPU model" in diag["message"]
    assert "1 × NVIDIA L4 (L4, 23,034 MiB) and 2 × NVIDIA H100 80GB HBM3 (H100-80GB, 81,559 MiB)" in diag["message"]


def test_sc106_no_gpu_detected(tmp_path: Path, nvml: Callable[..., FakeNvml]) -> None:
    nvml()
    _project(tmp_path, "{gpu: H100-80GB}")
    [diag] = _validate(tmp_path, "--detect-hardware")[1]
    assert "but this machine has no NVIDIA GPU" in diag["message"]


def test_sc106_skips_gpus_the_catalog_does_not_know(tmp_path: Path, nvml: Callable[..., FakeNvml]) -> None:
    nvml(H100)
    _project(tmp_path, "{gpu: A100-90GB}")
    result, sc106 = _validate(tmp_path, "--detect-hardware")
    assert sc106 == []  # SC104 reports the unknown GPU
    assert any(d["code"] == "SC104" for d in result.json()["diagnostics"])


def test_without_detect_hardware_nvml_is_never_touched(tmp_path: Path, nvml: Callable[..., FakeNvml]) -> None:
    fake = nvml(H100)
    _project(tmp_path, "{gpu: A100-80GB}")
    result, sc106 = _validate(tmp_path)
    assert result.exit_code == 0 and sc106 == []
    assert fake.calls == []


def test_detect_hardware_without_a_driver_exits_2(tmp_path: Path, nvml: Callable[..., FakeNvml]) -> None:
    nvml(init_error=NVML_ERROR_DRIVER_NOT_LOADED)
    _project(tmp_path, "{gpu: H100-80GB}")
    result = invoke(["validate", "--detect-hardware", "records"], tmp_path)
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0].startswith("selectcheck: error: cannot read the local GPUs: NVML did not start (Driver Not Loaded)")
    assert len(lines) == 2 and lines[1].startswith("  help: ")
    assert "Traceback" not in result.stderr


def test_sc106_explain(tmp_path: Path) -> None:
    result = invoke(["explain", "SC106"], tmp_path)
    assert result.exit_code == 0
    assert result.stdout.startswith("# SC106 hardware-mismatch")
    assert "--detect-hardware" in result.stdout


# --------------------------------------------------------------------------- a real GPU


def test_real_nvml(tmp_path: Path) -> None:
    """Against the real nvidia-ml-py and driver, where there is one (a GPU CI runner)."""
    from selectcheck.hardware import detect_gpus

    try:
        gpus = detect_gpus()
    except ConfigError as error:
        pytest.skip(f"no NVIDIA driver here: {error.message}")
    if not gpus:
        pytest.skip("NVML found no GPU")
    assert all(g.name and g.total_bytes > 1024 * MIB for g in gpus)
    result = invoke(["hardware", "--format", "json"], tmp_path)
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert [g["total_bytes"] for g in data["gpus"]] == [g.total_bytes for g in gpus]
    text = invoke(["hardware"], tmp_path).stdout
    block = yaml.safe_load(text.splitlines()[-1])["hardware"]
    assert block["count"] >= 1 and ("gpu" in block or "vram_gb" in block)
