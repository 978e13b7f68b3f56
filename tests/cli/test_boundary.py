"""The CLI boundary: usage errors in hpm's form, global options anywhere, one --registry,
unknown commands with a suggestion, JSON errors, lazy command modules, Ctrl-C."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from helpers.cli import RunHpm, assert_clean, hpm_env, set_groups


def _usage_error(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert_clean(done)
    assert "Usage:" not in done.stderr and "Error:" not in done.stderr, done.stderr
    assert done.stderr.startswith("error: "), done.stderr
    return done.stderr


def test_an_unknown_command_suggests_the_nearest(tmp_path: Path, hpm: RunHpm) -> None:
    err = _usage_error(hpm("chek", cwd=tmp_path))
    assert err == "error: unknown command `chek`\nhint: did you mean `check`?\n"


def test_an_unknown_subcommand_suggests_the_nearest(tmp_path: Path, hpm: RunHpm) -> None:
    err = _usage_error(hpm("group", "lst", cwd=tmp_path))
    assert "unknown command `lst` for `hpm group`" in err
    assert "hint: did you mean `list`?" in err


def test_an_unknown_command_far_from_any_lists_them(tmp_path: Path, hpm: RunHpm) -> None:
    err = _usage_error(hpm("zzzz", cwd=tmp_path))
    assert "hint: commands: check, explain" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("check", "--frob"), "error: no such option '--frob'"),
        (("explain",), "error: missing argument 'GROUP'"),
        (("registry", "check", "--reasons", "x"), "error: invalid value for '--reasons'"),
        (("--frob", "check"), "error: no such option '--frob'"),
    ],
)
def test_usage_errors_are_in_hpms_form(
    tmp_path: Path, hpm: RunHpm, args: tuple[str, ...], message: str
) -> None:
    err = _usage_error(hpm(*args, cwd=tmp_path))
    assert err.startswith(message), err
    assert "\nhint: see `hpm" in err


def test_json_only_with_dry_run_is_a_usage_error(demo: Path, hpm: RunHpm) -> None:
    done = hpm("sync", "--json", cwd=demo)
    assert done.returncode == 2
    assert json.loads(done.stdout)["error"] == "--json is only available with --dry-run"


@pytest.mark.parametrize("where", ["before", "between", "after"])
def test_project_and_registry_work_before_or_after_the_command(
    demo: Path, tmp_path: Path, hpm: RunHpm, where: str
) -> None:
    set_groups(demo, 'inference = "vllm-backend"\n')
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    flags = ("--project", str(demo), "--registry", str(tmp_path / "registry"))
    args = {
        "before": (*flags, "group", "list"),
        "between": ("group", *flags, "list"),
        "after": ("group", "list", *flags),
    }[where]
    done = hpm(*args, cwd=elsewhere)
    assert done.returncode == 0, done.stderr
    row = next(line for line in done.stdout.splitlines() if line.startswith("inference "))
    assert "vllm-backend" in row.split()


def test_a_registry_flag_wins_over_the_environment(tmp_path: Path, hpm: RunHpm) -> None:
    project = tmp_path / "p"
    project.mkdir()
    (project / "pyproject.toml").write_text('[project]\nname = "p"\nversion = "0"\n')
    done = hpm("init", "--registry", "../reg", cwd=project, env={"HPM_REGISTRY": "/x"})
    assert done.returncode == 0, done.stderr
    assert 'registry = "../reg"' in (project / "pyproject.toml").read_text()


def test_the_registry_environment_variable_is_used_without_a_flag(
    tmp_path: Path, hpm: RunHpm
) -> None:
    project = tmp_path / "p"
    project.mkdir()
    (project / "pyproject.toml").write_text('[project]\nname = "p"\nversion = "0"\n')
    done = hpm("init", cwd=project, env={"HPM_REGISTRY": "../reg"})
    assert done.returncode == 0, done.stderr
    assert 'registry = "../reg"' in (project / "pyproject.toml").read_text()


def test_an_error_with_json_is_json(tmp_path: Path, hpm: RunHpm) -> None:
    done = hpm("check", "--json", cwd=tmp_path)
    assert done.returncode == 2
    data = json.loads(done.stdout)
    assert data["ok"] is False and "pyproject.toml" in data["error"]


def test_only_the_invoked_command_module_is_imported(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from hpm.cli import main\n"
        "main(['registry', 'schema', 'rules'], standalone_mode=False)\n"
        "print(sorted(m for m in sys.modules if m.startswith('hpm.cli.commands.')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=hpm_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.splitlines()[-1] == "['hpm.cli.commands.registry']"


def test_exit_codes_of_the_real_process(demo: Path, hpm_process: RunHpm) -> None:
    """The in-process tests see the same codes; this checks them through `python -m hpm`."""
    assert hpm_process("chek", cwd=demo).returncode == 2  # usage
    set_groups(demo, "metric = []\n")
    assert hpm_process("check", cwd=demo).returncode == 2  # bad input
    (demo / "pyproject.toml").write_text(
        (demo / "pyproject.toml").read_text().replace("metric = []", "metrics = []")
    )
    assert hpm_process("check", cwd=demo).returncode == 1  # incomplete
    assert hpm_process("group", "list", cwd=demo).returncode == 0


CONSOLE = Path(sys.executable).parent / "hpm"  # the installed console script


def _console(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CONSOLE), *args], cwd=cwd, env=hpm_env(), capture_output=True, text=True, check=False
    )


def _closed_stdout(argv: list[str], cwd: Path) -> tuple[int, str]:
    process = subprocess.Popen(
        argv, cwd=cwd, env=hpm_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # nobody reads: hpm's output meets a closed pipe
    err = process.stderr.read().decode()
    return process.wait(), err


@pytest.mark.skipif(not CONSOLE.is_file(), reason="hpm is not installed as a console script")
def test_the_console_script_exits_at_once_with_the_same_output_and_codes(
    demo: Path, hpm_process: RunHpm
) -> None:
    # `hpm` ends with os._exit once its output is flushed (hpm.__main__.console): the output and
    # the exit codes must be those of `python -m hpm`, which ends as any Python program does
    assert _console("chek", cwd=demo).returncode == 2  # usage
    listed = _console("group", "list", cwd=demo)
    assert listed.returncode == 0 and "inference" in listed.stdout
    assert listed.stdout == hpm_process("group", "list", cwd=demo).stdout
    set_groups(demo, "metrics = []\n")
    assert _console("check", cwd=demo).returncode == 1  # incomplete
    status, err = _closed_stdout([str(CONSOLE), "group", "list"], demo)
    assert "Traceback" not in err
    assert status == _closed_stdout([sys.executable, "-m", "hpm", "group", "list"], demo)[0]


def test_a_misspelt_status_suggests_status(tmp_path: Path, hpm: RunHpm) -> None:
    err = _usage_error(hpm("stauts", cwd=tmp_path))
    assert err == "error: unknown command `stauts`\nhint: did you mean `status`?\n"
