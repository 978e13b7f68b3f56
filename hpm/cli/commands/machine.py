"""`hpm machine [--machine KEY=VALUE] [--json]`: the facts that machine conditions are checked
against, each with where it came from."""

from __future__ import annotations

import os
from pathlib import Path

from hpm import views
from hpm.cli.options import Globals, json_option, machine_option
from hpm.cli.project import Load, project_command
from hpm.errors import UsageError
from hpm.machine.facts import Machine


def run(state: Globals) -> Machine:
    """Print this machine's facts (os, arch, python, gpu, cuda, ...) and their sources.

    Inside a project, ``python`` is its environment's Python. ``--machine KEY=VALUE`` and
    ``HPM_MACHINE`` replace the detection of a fact, as for check, sync and explain.
    """
    from hpm.machine.availability import MachineRequest, machine_facts
    from hpm.project.discovery import find_project

    try:
        project: Path | None = find_project(Path(state.project) if state.project else None).root
    except UsageError:
        if state.project is not None:
            raise
        project = None
    return machine_facts(state.machine or MachineRequest(), project, os.environ)


command = project_command(
    run,
    Load.GLOBALS,
    views.MACHINE,
    json_option,
    machine_option,
    name="machine",
)
