"""Planning index entries and routes: pure, against parsed pyproject.toml data."""

from __future__ import annotations

from pathlib import Path

import pytest

from hpm.apply.routing import IndexEntry, Routes, plan_routes, wanted_routes
from hpm.errors import InputError
from hpm.registry import load_registry

CASES = Path(__file__).resolve().parents[1] / "cases" / "registry"
CPU = IndexEntry("cpu", "../registry/wheels/cpu", True, "flat")
CUDA = IndexEntry("cu124", "../registry/wheels/cu124", True, "flat")


def _project(indexes: list[IndexEntry] = (), **sources: object) -> dict:  # type: ignore[assignment]
    return {"tool": {"uv": {"index": [e.fields() for e in indexes], "sources": sources}}}


def test_wanted_routes_are_the_chosen_packages_with_an_index(tmp_path: Path) -> None:
    registry = load_registry(CASES / "bundles")
    routes = wanted_routes(registry, ["cpu", "lab"], CASES / "bundles" / "project")
    assert dict(routes.sources) == {"torch": "torch-cpu", "torchvision": "torch-cpu"}
    assert dict(routes.indexes) == {
        "torch-cpu": IndexEntry("torch-cpu", "../wheels/cpu", True, "flat")
    }


def test_switching_drops_the_old_index_and_routes_the_new_one() -> None:
    wanted = Routes({"cpu": CPU}, {"torch": "cpu"})
    recorded = Routes({"cu124": CUDA}, {"torch": "cu124"})
    edit = plan_routes(wanted, ["torch"], recorded, _project([CUDA], torch={"index": "cu124"}))
    assert edit.add_indexes == (CPU,) and edit.drop_indexes == ("cu124",)
    assert dict(edit.sources) == {"torch": "cpu"}
    assert dict(edit.owned.indexes) == {"cpu": CPU}
    assert dict(edit.owned.sources) == {"torch": "cpu"}


def test_an_index_the_user_wrote_is_used_never_owned() -> None:
    edit = plan_routes(Routes({"cpu": CPU}, {"torch": "cpu"}), ["torch"], Routes(), _project([CPU]))
    assert edit.add_indexes == () and dict(edit.owned.indexes) == {}
    assert dict(edit.sources) == {"torch": "cpu"}


def test_an_index_the_user_changed_by_hand_is_theirs_now() -> None:
    edited = IndexEntry("cu124", "https://mirror.example/cu124")
    recorded = Routes({"cu124": CUDA}, {})
    edit = plan_routes(Routes(), [], recorded, _project([edited]))
    assert edit.drop_indexes == () and dict(edit.owned.indexes) == {}


def test_an_index_hpm_wrote_stays_while_a_route_of_the_user_uses_it() -> None:
    recorded = Routes({"cu124": CUDA}, {"torch": "cu124"})
    project = _project([CUDA], mine={"index": "cu124"})
    edit = plan_routes(Routes(), [], recorded, project)
    assert edit.drop_indexes == () and dict(edit.owned.indexes) == {"cu124": CUDA}


def test_a_user_index_of_the_same_name_elsewhere_is_an_error() -> None:
    theirs = IndexEntry("cpu", "https://download.pytorch.org/whl/cpu")
    with pytest.raises(InputError) as caught:
        plan_routes(Routes({"cpu": CPU}, {"torch": "cpu"}), ["torch"], Routes(), _project([theirs]))
    problem = caught.value.problems[0]
    assert problem.file == "pyproject.toml" and problem.key == "tool.uv.index"
    assert "an index named `cpu` is already declared" in problem.message


def test_a_route_the_user_wrote_for_a_package_hpm_routes_is_an_error() -> None:
    project = _project([], torch={"index": "mine"})
    with pytest.raises(InputError) as caught:
        plan_routes(Routes({"cpu": CPU}, {"torch": "cpu"}), ["torch"], Routes(), project)
    assert caught.value.problems[0].key == "tool.uv.sources.torch"


def test_the_registry_moving_an_index_rewrites_hpms_entry() -> None:
    moved = IndexEntry("cpu", "../registry/other/cpu", True, "flat")
    edit = plan_routes(
        Routes({"cpu": moved}, {"torch": "cpu"}), [], Routes({"cpu": CPU}, {"torch": "cpu"}),
        _project([CPU], torch={"index": "cpu"}),
    )  # fmt: skip
    assert edit.drop_indexes == ("cpu",) and edit.add_indexes == (moved,)
    assert dict(edit.owned.sources) == {"torch": "cpu"}


def test_a_package_two_chosen_options_agree_on_is_added_once() -> None:
    from hpm.apply.plan import desired_packages
    from solver.model import Selection

    registry = load_registry(CASES / "bundles")
    chosen = Selection({"accelerator": ("cpu",), "tools": ("numpy", "lab")})
    wanted = desired_packages(registry, chosen, CASES / "bundles" / "project")
    assert list(wanted) == ["torch", "torchvision", "numpy", "jupyterlab"]
    assert wanted["numpy"] == "numpy"


def test_the_edit_keeps_tables_apart_and_drops_what_it_emptied() -> None:
    from hpm.project.tomlfile import edit_uv_routes

    text = (
        '[project]\nname = "app"  # mine\n\n[[tool.uv.index]]\nname = "mine"\n'
        'url = "https://example.org/simple"\n\n[tool.hpm]\nregistry = "../registry"\n'
    )
    added = edit_uv_routes(text, add_indexes=[CPU.fields()], sources={"torch": "cpu"})
    assert added == text.replace(
        "\n[tool.hpm]",
        '\n[[tool.uv.index]]\nname = "cpu"\nurl = "../registry/wheels/cpu"\nformat = "flat"\n'
        'explicit = true\n\n[tool.uv.sources]\ntorch = {index = "cpu"}\n\n[tool.hpm]',
    )
    assert edit_uv_routes(added, drop_indexes=["cpu", "mine"]) == (
        '[project]\nname = "app"  # mine\n\n[tool.uv.sources]\ntorch = {index = "cpu"}\n\n'
        '[tool.hpm]\nregistry = "../registry"\n'
    )
