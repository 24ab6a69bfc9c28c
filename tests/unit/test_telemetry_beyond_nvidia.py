"""GPU telemetry beyond NVIDIA (issue 23): amdsmi on ROCm when it is importable, otherwise CPU-only busy
detection said in words; Apple and Intel GPUs have none, said in words too.

amdsmi is not installed here: its absence is tested for real. Its presence is tested through a small
module written to a temporary folder that stands in for AMD's library (the vendor's API as its
reference documents it, ROCm 6.1+ and 6.0 shapes); every line of fwadvisor's own code runs for real.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from fwadvisor.profiler.amd_telemetry import AmdGpuReader, open_amd_reader
from fwadvisor.profiler.load import CaseLoads, gpu_telemetry_words, open_device_reader
from fwadvisor.profiler.records import make_record

# A stand-in for AMD's amdsmi package: two GPUs, the worker (WORKER_PID) on the second one beside
# another process (OTHER_PID); sensors a card lacks give "N/A", as amdsmi does.
FAKE_AMDSMI = """
from enum import IntEnum

WORKER_PID = {worker_pid}
OTHER_PID = {other_pid}
NEW_API = {new_api}
shut_down = []


class AmdSmiException(Exception):
    pass


class AmdSmiInitFlags(IntEnum):
    INIT_AMD_GPUS = 2


class AmdSmiTemperatureType(IntEnum):
    EDGE = 0
    HOTSPOT = 1


class AmdSmiTemperatureMetric(IntEnum):
    CURRENT = 0


class AmdSmiClkType(IntEnum):
    GFX = 1
    MEM = 5


def amdsmi_init(flags=None):
    pass


def amdsmi_shut_down():
    shut_down.append(True)


def amdsmi_get_processor_handles():
    return ["gpu0", "gpu1"]


def amdsmi_get_gpu_process_list(handle):
    pids = [WORKER_PID, OTHER_PID] if handle == "gpu1" else []
    if NEW_API:
        return [{{"name": "python", "pid": pid, "mem": 0}} for pid in pids]
    return [("process-handle", pid) for pid in pids]


def amdsmi_get_gpu_process_info(handle, process):
    return {{"name": "python", "pid": process[1], "mem": 0}}


def amdsmi_get_temp_metric(handle, sensor, metric):
    if sensor == AmdSmiTemperatureType.EDGE:
        raise AmdSmiException("AMDSMI_STATUS_NOT_SUPPORTED")  # MI300-class: no edge sensor
    return 71


def amdsmi_get_gpu_activity(handle):
    if not NEW_API:  # ROCm 6.0 passed the driver's "no reading" through as a number
        return {{"gfx_activity": 0xFFFF, "umc_activity": 40, "mm_activity": 0xFFFF}}
    return {{"gfx_activity": 97, "umc_activity": 40, "mm_activity": "N/A"}}


def amdsmi_get_power_cap_info(handle):
    return {{"power_cap": 750000000, "default_power_cap": 750000000}}  # microwatts


if NEW_API:
    def amdsmi_get_clock_info(handle, clock):
        return {{"clk": 2100 if clock == AmdSmiClkType.GFX else 1300, "min_clk": 500, "max_clk": 2100}}

    def amdsmi_get_power_info(handle):
        return {{"socket_power": "N/A", "current_socket_power": 612, "average_socket_power": "N/A"}}
else:
    def amdsmi_get_clock_measure(handle, clock):
        return {{"cur_clk": 2100 if clock == AmdSmiClkType.GFX else 1300, "avg_clk": 2000}}

    def amdsmi_get_power_measure(handle):
        return {{"average_socket_power": 612, "voltage_gfx": 800}}
"""


@pytest.fixture
def sleeper() -> Iterator[subprocess.Popen[bytes]]:
    """A real process that stands for the worker (or for another tenant of the GPU)."""
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        yield process
    finally:
        process.kill()
        process.wait()


def _install_fake_amdsmi(monkeypatch: pytest.MonkeyPatch, folder: Path, worker: int, other: int, new_api: bool) -> None:
    package = folder / "amdsmi"
    package.mkdir()
    text = FAKE_AMDSMI.format(worker_pid=worker, other_pid=other, new_api=new_api)
    (package / "__init__.py").write_text(textwrap.dedent(text))
    monkeypatch.delitem(sys.modules, "amdsmi", raising=False)
    monkeypatch.syspath_prepend(str(folder))


def test_without_amdsmi_a_rocm_run_has_no_gpu_readings_and_says_so():
    if importlib.util.find_spec("amdsmi") is not None:
        pytest.skip("amdsmi is installed here: the absent path cannot be tested for real")
    assert open_amd_reader() is None
    assert open_device_reader("rocm") is None
    words = gpu_telemetry_words("rocm", None)
    assert words is not None and words.startswith("GPU telemetry: none on this device (no NVML/amdsmi")
    assert "other processes' CPU use only" in words


@pytest.mark.parametrize(
    ("device", "says"),
    [
        ("mps", "Apple gives no GPU readings"),
        ("xpu", "does not read Intel's xpu-smi"),
        ("cuda", "NVML could not be read"),
    ],
)
def test_devices_without_a_reader_say_so_in_words(device, says):
    words = gpu_telemetry_words(device, None)
    assert words is not None and says in words and "CPU use only" in words
    assert "\n" not in words


def test_a_cpu_run_says_nothing_about_a_gpu():
    assert gpu_telemetry_words("cpu", None) is None
    assert open_device_reader("cpu") is None and open_device_reader("mps") is None
    assert open_device_reader("xpu") is None


@pytest.mark.parametrize("new_api", [True, False], ids=["rocm-6.1+", "rocm-6.0"])
def test_amdsmi_readings_of_the_card_the_worker_uses(monkeypatch, tmp_path, sleeper, new_api):
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        _install_fake_amdsmi(monkeypatch, tmp_path, sleeper.pid, other.pid, new_api)
        reader = open_amd_reader()
        assert isinstance(reader, AmdGpuReader)
        reading = reader.read({sleeper.pid})
        reader.close()
    finally:
        other.kill()
        other.wait()
    assert reader.found and reader.handle == "gpu1"  # the card the worker's process is on, not the first
    assert reading is not None
    assert (reading.sm_clock_mhz, reading.memory_clock_mhz) == (2100.0, 1300.0)
    assert reading.temperature_c == 71.0  # the hotspot sensor, where the edge one is missing
    assert (reading.power_w, reading.power_limit_w) == (612.0, 750.0)  # the cap from microwatts
    assert reading.utilization_percent == (97.0 if new_api else None)  # 0xFFFF is no reading
    assert reading.clock_reasons == ()
    # The other tenant is named; the worker itself is not another process.
    assert len(reading.other_processes) == 1 and reading.other_processes[0].startswith(f"{other.pid} ")
    assert sys.modules["amdsmi"].shut_down == [True]


def test_a_rocm_run_with_amdsmi_gets_gpu_telemetry_and_busy_words(monkeypatch, tmp_path, sleeper):
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        _install_fake_amdsmi(monkeypatch, tmp_path, sleeper.pid, other.pid, True)
        loads = CaseLoads(sleeper.pid, "rocm", threads=1)
        record = _record("rocm:0 AMD Instinct MI300X")
        loads.started(0)
        time.sleep(0.6)
        loads.finished(0, record)
        framework = loads.close("torch")
    finally:
        other.kill()
        other.wait()
    assert record.gpu_telemetry is not None and record.gpu_telemetry.samples >= 1
    assert record.gpu_telemetry.power_w is not None and record.gpu_telemetry.power_w.max == 612.0
    assert not record.gpu_telemetry.throttled
    # Another process on the GPU makes the case busy, as it does with NVML.
    assert record.machine_busy and record.busy_reason is not None
    assert "another process used the GPU" in record.busy_reason
    assert framework is not None and framework.gpu_telemetry is not None
    assert framework.gpu_telemetry.startswith("GPU telemetry: amdsmi")


def test_an_apple_run_samples_cpu_only_and_says_so(sleeper):
    loads = CaseLoads(sleeper.pid, "mps", threads=1)
    record = _record("mps Apple M2 Max")
    loads.started(0)
    time.sleep(0.3)
    loads.finished(0, record)
    framework = loads.close("torch")
    assert record.gpu_telemetry is None and record.load is not None  # the CPU figures are still there
    assert framework is not None and framework.gpu_telemetry is not None
    assert framework.gpu_telemetry.startswith("GPU telemetry: none on this device (no NVML/amdsmi")


def _record(device: str):
    return make_record(
        benchmark="matmul",
        framework="torch",
        framework_version="1",
        device=device,
        dtype="fp32",
        params={},
        threads=1,
        precision={},
        timing=None,
        metric_name="TFLOP/s",
        metric_value=100.0,
        correct=True,
    )
