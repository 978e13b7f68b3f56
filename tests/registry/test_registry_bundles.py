"""Bundles and indexes: what a loaded registry says about them, and `hpm registry check`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from hpm.cli.commands.registry import registry_check
from hpm.registry import load_registry
from hpm.views import registry_json, registry_text

CASES = Path(__file__).resolve().parents[1] / "cases" / "registry"


def _check(root: Path) -> tuple[list[str], dict]:
    report = registry_check(load_registry(root))
    return registry_text(report), json.loads(json.dumps(registry_json(report)))


def test_a_plain_option_is_one_package_and_a_bundle_is_its_list() -> None:
    registry = load_registry(CASES / "bundles")
    assert [p.name for p in registry.packages("cu124")] == ["torch", "torchvision", "numpy"]
    assert [p.source.index for p in registry.packages("cpu")] == ["torch-cpu", "torch-cpu", None]
    (numpy,) = registry.packages("numpy")
    assert numpy.name == "numpy" and numpy.source.kind == "index" and numpy.source.index is None
    assert registry.indexes["torch-cpu"].path == (CASES / "bundles/wheels/cpu").resolve()
    assert registry.indexes["torch-cpu"].explicit and registry.indexes["torch-cpu"].format == "flat"
    assert registry.indexes["internal"].url == "https://pypi.example.org/simple"
    assert not registry.indexes["internal"].explicit


def test_registry_check_reports_the_pairs_that_disagree_on_a_source() -> None:
    text, data = _check(CASES / "bundles")
    assert (
        "warning: `cu124` and `plotting` install `numpy` from different sources, so they cannot "
        "be chosen together (groups/accelerator.yaml:10: options[0].packages[2]; "
        "groups/tools.yaml:7: options[1].packages[0])"
    ) in text
    pairs = [tuple(d["options"]) for d in data["disagreements"]]
    # cu124/cpu share a 1-of-N group; numpy/lab agree with cu124/cpu on numpy: no pair
    assert pairs == [("cu124", "plotting"), ("cpu", "plotting"), ("numpy", "plotting"),
                     ("plotting", "lab")]  # fmt: skip
    assert data["disagreements"][0]["origins"][1] == {
        "file": "groups/tools.yaml",
        "key": "options[1].packages[0]",
        "line": 7,
    }
    assert data["ok"] and data["unused_indexes"] == []


def test_an_index_no_option_uses_is_a_warning(tmp_path: Path) -> None:
    root = shutil.copytree(CASES / "bundles", tmp_path / "registry")
    with (root / "indexes.yaml").open("a") as indexes:
        indexes.write("- name: spare\n  url: https://example.org/simple\n")
    text, data = _check(root)
    assert "warning: index `spare` is used by no option  (indexes.yaml:10: indexes[3])" in text
    assert data["unused_indexes"] == [
        {"name": "spare", "file": "indexes.yaml", "key": "indexes[3]", "line": 10}
    ]
    assert data["ok"]


def test_derived_conflicts_are_rules_the_solver_explains() -> None:
    import solver
    from hpm.registry import load_registry
    from solver.model import Selection

    registry = load_registry(CASES / "bundles")
    verdict = solver.check(
        registry.model, Selection({"accelerator": ("cu124",), "tools": ("plotting",)})
    )
    assert verdict.status == "invalid" and verdict.conflict is not None
    messages = [getattr(e, "message", "") for e in verdict.conflict.elements]
    assert any("install `numpy` from different sources" in m for m in messages)


def test_the_pytorch_example_routes_each_build_to_its_own_index() -> None:
    root = Path(__file__).resolve().parents[2] / "examples" / "pytorch" / "registry"
    registry = load_registry(root)
    (group,) = registry.model.groups
    assert group.options == ("cu130", "cu128", "cu124", "rocm", "cpu")  # order = preference
    for option in group.options:
        packages = registry.packages(option)
        assert [p.name for p in packages] == ["torch", "torchvision", "torchaudio"]
        (index,) = {p.source.index for p in packages}
        assert registry.indexes[index].url.startswith("https://download.pytorch.org/whl/")
        assert registry.indexes[index].explicit
    assert registry.disagreements == () and registry.unused_indexes() == ()
