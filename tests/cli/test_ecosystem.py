"""Around the core: ``graph``, ``registry schema``, shell completion, pre-commit hooks, ``init``,
and output that stays free of colour codes when it should."""

from __future__ import annotations

import json
import os
import pty
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from helpers.cli import RunHpm, assert_clean, hpm_env, invoke_hpm, set_groups
from helpers.projects import EXAMPLE_REGISTRY, REPO

HPM_SCRIPT = Path(sys.executable).parent / "hpm"  # the console script a user's shell runs
ANSI = re.compile(r"\x1b\[")


# --------------------------------------------------------------------------- graph
def test_graph_mermaid(demo: Path, hpm: RunHpm) -> None:
    done = hpm("graph", cwd=demo)
    assert done.returncode == 0, done.stderr
    assert_clean(done)
    text = done.stdout
    assert text.splitlines()[0].startswith("flowchart")
    assert 'subgraph n_inference["inference (1-of-N)"]' in text
    assert 'subgraph n_metrics["metrics (M-of-N)"]' in text
    for option in ("vlm-adapter-qwen", "vllm-backend", "metric-accuracy", "metric-bleu"):
        assert f'["{option}"]' in text
    assert "n_vllm_backend -->|requires| n_metric_latency" in text
    assert "n_vlm_adapter_deepseek x-. conflicts .-x n_metric_bleu" in text
    assert "class " not in text  # nothing selected yet: nothing highlighted


def test_graph_highlights_selection_and_focuses_group(demo: Path, hpm: RunHpm) -> None:
    set_groups(demo, 'inference = "vllm-backend"\nmetrics = ["metric-latency"]\n')
    text = hpm("graph", cwd=demo).stdout
    assert "classDef selected" in text
    (marked,) = [line for line in text.splitlines() if line.strip().startswith("class ")]
    assert set(marked.split()[1].split(",")) == {"n_vllm_backend", "n_metric_latency"}

    focused = hpm("graph", "--group", "metrics", cwd=demo)
    assert focused.returncode == 0, focused.stderr
    assert "n_metrics" in focused.stdout and "n_vllm_backend" in focused.stdout
    assert "vlm-adapter-qwen" not in focused.stdout  # no rule links it to metrics
    bad = hpm("graph", "--group", "metric-bleu", cwd=demo)
    assert bad.returncode == 2 and "not a group" in bad.stderr
    assert_clean(bad)


def test_graph_dot(demo: Path, hpm: RunHpm, tmp_path: Path) -> None:
    set_groups(demo, 'inference = "vlm-adapter-deepseek"\n')
    done = hpm("graph", "--format", "dot", cwd=demo)
    assert done.returncode == 0, done.stderr
    text = done.stdout
    assert text.startswith("digraph") and text.rstrip().endswith("}")
    assert text.count("{") == text.count("}")
    assert 'subgraph "cluster_inference"' in text and 'subgraph "cluster_metrics"' in text
    assert '"vllm-backend" -> "metric-latency" [label="requires"]' in text
    assert '"vlm-adapter-deepseek" -> "metric-bleu" [label="conflicts"' in text
    assert '"vlm-adapter-deepseek" [label="vlm-adapter-deepseek", fillcolor=' in text
    dot = shutil.which("dot")
    if dot:
        svg = subprocess.run(
            [dot, "-Tsvg"], input=text, capture_output=True, text=True, check=False
        )
        assert svg.returncode == 0, svg.stderr
        assert "<svg" in svg.stdout


def test_graph_outside_a_project(tmp_path: Path, hpm: RunHpm) -> None:
    done = hpm("--registry", str(EXAMPLE_REGISTRY), "graph", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "flowchart" in done.stdout


# --------------------------------------------------------------------------- schemas
@pytest.mark.parametrize("kind", ["group", "package", "rules"])
def test_registry_schema_is_json(kind: str, tmp_path: Path, hpm: RunHpm) -> None:
    done = hpm("registry", "schema", kind, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    schema = json.loads(done.stdout)
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert "type" in schema


def test_registry_schema_unknown_kind(tmp_path: Path, hpm: RunHpm) -> None:
    done = hpm("registry", "schema", "nope", cwd=tmp_path)
    assert done.returncode == 2 and "nope" in done.stderr


def test_example_registry_validates_against_printed_schemas(tmp_path: Path, hpm: RunHpm) -> None:
    jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is not installed")
    schemas = {
        kind: json.loads(hpm("registry", "schema", kind, cwd=tmp_path).stdout)
        for kind in ("group", "package", "rules")
    }
    documents = [("group", p) for p in sorted((EXAMPLE_REGISTRY / "groups").glob("*.yaml"))]
    documents += [("package", p) for p in sorted((EXAMPLE_REGISTRY / "packages").glob("*.yaml"))]
    documents.append(("rules", EXAMPLE_REGISTRY / "rules.yaml"))
    for kind, path in documents:
        validator = jsonschema.Draft202012Validator(schemas[kind])
        errors = [e.message for e in validator.iter_errors(yaml.safe_load(path.read_text()))]
        assert errors == [], (path, errors)
    bad = {"name": "x", "strategy": "2-of-N", "options": ["a"]}
    assert not jsonschema.Draft202012Validator(schemas["group"]).is_valid(bad)


# --------------------------------------------------------------------------- completion
def _complete(shell: str, words: str, cword: str, cwd: Path) -> list[str]:
    env = {"_HPM_COMPLETE": f"{shell}_complete", "COMP_WORDS": words, "COMP_CWORD": cword}
    done = invoke_hpm(cwd=cwd, env=env)
    assert done.returncode == 0, done.stderr
    if shell == "zsh":  # triples: type, value, help ("_" for none)
        lines = done.stdout.splitlines()
        return [lines[i + 1] for i in range(0, len(lines), 3)]
    return [line.split(",", 1)[1] for line in done.stdout.splitlines() if line]


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_script(shell: str, tmp_path: Path) -> None:
    done = invoke_hpm(cwd=tmp_path, env={"_HPM_COMPLETE": f"{shell}_source"})
    assert done.returncode == 0, done.stderr
    assert "_hpm_completion" in done.stdout
    assert "_HPM_COMPLETE" in done.stdout


GROUPS = ["accelerator", "inference", "metrics"]  # the example registry's groups


def test_completion_groups_and_options(demo: Path) -> None:
    assert _complete("bash", "hpm group add ", "3", demo) == GROUPS
    assert _complete("bash", "hpm group add m", "3", demo) == ["metrics"]
    assert _complete("zsh", "hpm group add ", "3", demo) == GROUPS
    assert _complete("fish", "hpm group show ", "", demo) == GROUPS
    options = ["vlm-adapter-qwen", "vlm-adapter-deepseek", "vllm-backend"]
    assert _complete("bash", "hpm group add inference --option v", "5", demo) == options
    assert _complete("fish", "hpm group add inference --option v", "v", demo) == options
    assert _complete("zsh", "hpm explain metrics metric-", "3", demo) == [
        "metric-accuracy",
        "metric-latency",
        "metric-bleu",
    ]
    assert _complete("bash", "hpm explain ", "2", demo) == GROUPS


def test_completion_outside_a_project_is_silent(tmp_path: Path) -> None:
    assert _complete("bash", "hpm group add ", "3", tmp_path) == []


def test_completion_options_only_of_the_group(demo: Path) -> None:
    assert _complete("bash", "hpm group add inference --option ", "5", demo) == [
        "vlm-adapter-qwen",
        "vlm-adapter-deepseek",
        "vllm-backend",
    ]


def test_python_dash_m_is_hpm(tmp_path: Path, hpm_process: RunHpm) -> None:
    assert hpm_process("--help", cwd=tmp_path).stdout.startswith("Usage: hpm ")
    done = hpm_process(cwd=tmp_path, env={"_HPM_COMPLETE": "bash_source"})
    assert "_hpm_completion" in done.stdout


# --------------------------------------------------------------------------- pre-commit
def _hooks() -> list[dict]:
    return yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())


def _run_entry(entry: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    argv = shlex.split(entry)
    assert argv[0] == "hpm"
    return subprocess.run(
        [str(HPM_SCRIPT), *argv[1:]],
        cwd=cwd,
        env=hpm_env(),
        capture_output=True,
        text=True,
        check=False,
    )


def test_pre_commit_hooks(tmp_path: Path, hpm: RunHpm) -> None:
    from helpers.cli import make_demo

    hooks = _hooks()
    assert {h["id"] for h in hooks} >= {"hpm-check", "hpm-check-locked", "hpm-registry-check"}
    for hook in hooks:
        assert hook["language"] == "python" and hook["pass_filenames"] is False
        assert re.search(hook["files"], "registry/groups/a.yaml")

    good = make_demo(tmp_path / "good")
    set_groups(good, 'inference = "vllm-backend"\nmetrics = ["metric-latency"]\n')
    synced = hpm("sync", cwd=good)
    assert synced.returncode == 0, synced.stderr
    for hook in hooks:
        done = _run_entry(hook["entry"], good)
        assert done.returncode == 0, (hook["id"], done.stdout, done.stderr)

    # invalid: a registry rule forbids the default metric-accuracy, which the manifest chooses
    bad = make_demo(tmp_path / "bad")
    rules = tmp_path / "bad" / "registry" / "rules.yaml"
    rules.write_text(rules.read_text() + "- conflicts: [metric-accuracy]\n")
    set_groups(bad, 'inference = "vllm-backend"\nmetrics = ["metric-latency", "metric-accuracy"]\n')
    for hook in hooks:
        done = _run_entry(hook["entry"], bad)
        assert done.returncode == 1, (hook["id"], done.stdout, done.stderr)
        assert "Traceback" not in done.stderr
        assert "metric-accuracy" in done.stdout + done.stderr


# --------------------------------------------------------------------------- init
def test_init_in_an_empty_directory(tmp_path: Path, hpm: RunHpm) -> None:
    shutil.copytree(EXAMPLE_REGISTRY, tmp_path / "registry")
    empty = tmp_path / "new"
    empty.mkdir()
    done = hpm("init", "--registry", "../registry", cwd=empty)
    assert done.returncode == 0, done.stderr
    assert_clean(done)
    assert "created a uv project" in done.stdout
    assert "next steps:" in done.stdout and "hpm group add GROUP --option X" in done.stdout
    text = (empty / "pyproject.toml").read_text()
    assert "[project]" in text and text.endswith('[tool.hpm]\nregistry = "../registry"\n')
    listed = hpm("group", "list", cwd=empty)
    assert listed.returncode == 0 and "inference" in listed.stdout
    again = hpm("init", "--registry", "../registry", cwd=empty)
    assert again.returncode == 0 and "already uses" in again.stdout
    assert (empty / "pyproject.toml").read_text() == text


def test_init_without_a_registry_warns(tmp_path: Path, hpm: RunHpm) -> None:
    done = hpm("init", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "warning: no registry at registry" in done.stderr
    assert 'registry = "registry"' in (tmp_path / "pyproject.toml").read_text()


def test_init_in_an_existing_project_keeps_its_bytes(tmp_path: Path, hpm: RunHpm) -> None:
    project = tmp_path / "app"
    project.mkdir()
    original = (
        "# my project, hand formatted\n[project]\nname    = 'app'   # odd spacing\n"
        'version = "1.0"\ndependencies = [\n  "click",  # CLI\n]\n\n[tool.other]\nx = 1\n'
    )
    (project / "pyproject.toml").write_text(original)
    done = hpm("init", "--registry", "vendor/registry", cwd=project)
    assert done.returncode == 0, done.stderr
    after = (project / "pyproject.toml").read_text()
    assert after.startswith(original)
    assert after[len(original) :] == '\n[tool.hpm]\nregistry = "vendor/registry"\n'
    assert "created" not in done.stdout


# --------------------------------------------------------------------------- colour
def test_no_ansi_when_piped_or_no_color(demo: Path) -> None:
    set_groups(demo, 'inference = "vlm-adapter-deepseek"\nmetrics = ["metric-bleu"]\n')
    for extra in ({}, {"NO_COLOR": "1"}):
        env = hpm_env()
        env.pop("NO_COLOR")
        env.update(extra)
        for args in (("check",), ("group", "list"), ("explain", "metrics"), ("nope",)):
            done = subprocess.run(
                [sys.executable, "-m", "hpm", *args],
                cwd=demo,
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            assert not ANSI.search(done.stdout + done.stderr), (args, extra)


def _on_a_tty(argv: list[str], cwd: Path, env: dict[str, str]) -> str:
    """Run ``argv`` with stdout and stderr on a pseudo-terminal; return what it printed."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=follower, stderr=follower)
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    proc.wait()
    os.close(leader)
    return b"".join(chunks).decode()


def test_tty_gets_colour_unless_no_color(demo: Path) -> None:
    set_groups(demo, 'inference = "vlm-adapter-deepseek"\nmetrics = ["metric-bleu"]\n')
    argv = [sys.executable, "-m", "hpm", "check"]
    env = hpm_env()
    env.pop("NO_COLOR")
    env.pop("TERM", None)
    coloured = _on_a_tty(argv, demo, env)
    assert "selection is invalid" in coloured and ANSI.search(coloured)
    plain = _on_a_tty(argv, demo, {**env, "NO_COLOR": "1"})
    assert "selection is invalid" in plain and not ANSI.search(plain)
