"""Machine facts as fixed facts of the constraint problem: what is possible where, and why not."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.machines import (
    ACCELERATOR,
    H200_PLATFORM,
    accelerator_registry,
    bare_machine,
    h200_machine,
)

import solver
from hpm.errors import UsageError
from hpm.explain_text import render_conflict
from hpm.machine.availability import (
    MachineRequest,
    decided_by,
    for_machine,
    resolve_machine,
    unmet_conditions,
    unmet_text,
)
from hpm.machine.changes import MachineChange, machine_changes
from hpm.machine.detect import Probe, detect
from hpm.machine.facts import Machine, overrides_from
from hpm.registry.loader import load_registry
from solver.model import Selection

OPEN = Selection({"accelerator": None})


def _machine(tmp: Path, *items: str, recorded: str = "bare") -> Machine:
    fake = h200_machine(tmp) if recorded == "h200" else bare_machine(tmp)
    platform = H200_PLATFORM if recorded == "h200" else None
    probe = Probe(root=fake.root, path=fake.path, environ={}, platform=platform)
    return detect(probe, overrides_from(items, {}))


def _auto(tmp: Path, machine: Machine) -> str:
    registry = for_machine(load_registry(accelerator_registry(tmp / "registry")), machine)
    completion = solver.complete(registry.model, OPEN)
    assert completion.conflict is None
    (option,) = completion.selection.choices["accelerator"] or ()
    return option


def test_no_gpu_picks_cpu(tmp_path: Path) -> None:
    assert _auto(tmp_path, _machine(tmp_path)) == "cpu"


def test_cuda_12_8_picks_cu124(tmp_path: Path) -> None:
    assert _auto(tmp_path, _machine(tmp_path, "cuda=12.8")) == "cu124"


def test_recorded_h200_picks_cu130(tmp_path: Path) -> None:
    assert _auto(tmp_path, _machine(tmp_path, recorded="h200")) == "cu130"


def test_old_gpu_is_ruled_out_by_compute_capability(tmp_path: Path) -> None:
    machine = _machine(tmp_path, "cuda=13.0", "compute_capability=6.1")
    assert _auto(tmp_path, machine) == "cu124"


def test_why_cu130_is_not_possible(tmp_path: Path) -> None:
    machine = _machine(tmp_path, "cuda=12.8")
    registry = for_machine(load_registry(accelerator_registry(tmp_path / "registry")), machine)
    results = solver.feasible(registry.model, OPEN, "accelerator")
    assert results["cu124"] is None and results["cpu"] is None
    conflict = results["cu130"]
    assert conflict is not None
    text = "\n".join(render_conflict(conflict, asked="cu130"))
    assert (
        "this machine: cuda 12.8 (from --machine); cu130 needs cuda >=13.0 "
        "(groups/accelerator.yaml:5)" in text
    )


def test_unmet_text_names_the_fact_and_its_source(tmp_path: Path) -> None:
    machine = bare_machine(tmp_path)
    machine.write("/sys/module/nvidia/version", "535.104.05\n")
    facts = detect(Probe(root=machine.root, path=machine.path, environ={}))
    registry = load_registry(accelerator_registry(tmp_path / "registry"))
    texts = [unmet_text(u) for u in unmet_conditions(registry.conditions, facts)]
    assert texts == [
        "this machine: cuda 12.2 (nvidia driver 535.104.05, from /sys/module/nvidia/version); "
        "cu130 needs cuda >=13.0 (groups/accelerator.yaml:5)",
        "this machine: no compute_capability (nvidia-smi did not report it); "
        "cu130 needs compute_capability >=7.5 (groups/accelerator.yaml:5)",
        "this machine: cuda 12.2 (nvidia driver 535.104.05, from /sys/module/nvidia/version); "
        "cu124 needs cuda >=12.4 (groups/accelerator.yaml:7)",
    ]


def test_a_chosen_option_this_machine_cannot_run_is_invalid(tmp_path: Path) -> None:
    registry = for_machine(
        load_registry(accelerator_registry(tmp_path / "registry")), _machine(tmp_path)
    )
    verdict = solver.check(registry.model, Selection({"accelerator": ("cu130",)}))
    assert verdict.status == "invalid"


def test_any_machine_and_no_conditions_detect_nothing(tmp_path: Path) -> None:
    registry = load_registry(accelerator_registry(tmp_path / "registry"))
    assert resolve_machine(MachineRequest(any_machine=True), registry.conditions, None, {}) is None
    assert resolve_machine(MachineRequest(), {}, None, {}) is None


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        (MachineRequest(("cuda=x",)), "--machine 'cuda=x': cuda must be a version"),
        (MachineRequest(("cuda=12.4",), any_machine=True), "contradict"),
    ],
)
def test_bad_machine_requests(request_: MachineRequest, message: str) -> None:
    with pytest.raises(UsageError) as caught:
        resolve_machine(request_, {}, None, {})
    assert message in caught.value.message
    assert caught.value.hint


def test_bad_env_override_is_a_usage_error() -> None:
    with pytest.raises(UsageError) as caught:
        resolve_machine(MachineRequest(), {}, None, {"HPM_MACHINE": "gpu=intel"})
    assert caught.value.message.startswith("HPM_MACHINE 'gpu=intel'")


def test_facts_that_decided_an_auto_choice(tmp_path: Path) -> None:
    registry = load_registry(accelerator_registry(tmp_path / "registry"))
    h200 = _machine(tmp_path, recorded="h200")
    assert decided_by(registry, h200, ("accelerator",)) == {
        "accelerator": {"compute_capability": "9.0", "cuda": "13.0", "gpu": "nvidia"}
    }


def test_a_different_machine_changes_the_choice(tmp_path: Path) -> None:
    registry = load_registry(accelerator_registry(tmp_path / "registry"))
    recorded = {"accelerator": {"compute_capability": "9.0", "cuda": "13.0", "gpu": "nvidia"}}
    chosen = {"accelerator": ("cu130",)}
    older = _machine(tmp_path / "a", "cuda=12.8", "compute_capability=9.0")
    changes = machine_changes(for_machine(registry, older), older, chosen, recorded, chosen)
    assert changes == (
        MachineChange("accelerator", ("cu130",), ("cu124",), (("cuda", "13.0", "12.8"),)),
    )
    same_choice = _machine(tmp_path / "b", "cuda=13.1", "compute_capability=9.0")
    registry_here = for_machine(registry, same_choice)
    assert machine_changes(registry_here, same_choice, chosen, recorded, chosen) == ()


@pytest.mark.parametrize(
    ("default", "items", "expected"),
    [
        ("cpu", ("cuda=13.0", "compute_capability=9.0"), "cpu"),  # the default, possible here
        ("cu130", ("cuda=12.8",), "cu124"),  # the default is not: first possible in order
        ("cu130", ("gpu=none",), "cpu"),
    ],
)
def test_auto_prefers_the_default_when_this_machine_can_run_it(
    tmp_path: Path, default: str, items: tuple[str, ...], expected: str
) -> None:
    group = ACCELERATOR.replace("options:", f"default: {default}\noptions:")
    registry = load_registry(accelerator_registry(tmp_path / "registry", group))
    machine = for_machine(registry, _machine(tmp_path, *items))
    completion = solver.complete(machine.model, OPEN)
    assert completion.selection.choices["accelerator"] == (expected,)


PYTORCH = Path(__file__).resolve().parents[2] / "examples" / "pytorch" / "registry"


@pytest.mark.parametrize(
    ("items", "recorded", "expected"),
    [
        ((), "h200", "cu130"),
        (("os=linux", "gpu=nvidia", "cuda=12.8", "compute_capability=8.6"), "bare", "cu128"),
        (("os=windows", "cuda=12.6"), "bare", "cu124"),
        (("os=linux", "cuda=13.0", "compute_capability=6.1"), "bare", "cu128"),  # Pascal
        (("os=linux", "cuda_driver=535.104.05", "cuda=12.2"), "bare", "cpu"),
        (("os=linux", "gpu=amd"), "bare", "rocm"),
        (("os=macos", "gpu=none"), "bare", "cpu"),
    ],
)
def test_the_pytorch_example_on_several_machines(
    tmp_path: Path, items: tuple[str, ...], recorded: str, expected: str
) -> None:
    registry = for_machine(load_registry(PYTORCH), _machine(tmp_path, *items, recorded=recorded))
    completion = solver.complete(registry.model, OPEN)
    assert completion.selection.choices["accelerator"] == (expected,)
