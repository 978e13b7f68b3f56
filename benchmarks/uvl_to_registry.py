"""Convert a UVL feature model into an hpm registry directory.

Usage: ``python benchmarks/uvl_to_registry.py MODEL.uvl OUT_DIR``. Exit status 0 on success,
2 with an ``error: FILE:LINE: ...`` message for what cannot be converted.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: import from the repo, not from benchmarks/
    sys.path[0] = str(Path(__file__).resolve().parents[1])

from benchmarks.uvl_model import UvlError, parse_uvl
from benchmarks.uvl_registry import plan_registry, write_registry


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: uvl_to_registry.py MODEL.uvl OUT_DIR", file=sys.stderr)
        return 2
    source, out_dir = args
    try:
        plan = plan_registry(parse_uvl(source))
    except UvlError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"error: cannot read {source}: {e.strerror}", file=sys.stderr)
        return 2
    write_registry(plan, out_dir)
    options = sum(len(g.options) for g in plan.groups)
    print(
        f"wrote {len(plan.groups)} groups, {options} options, {len(plan.rules)} rules to {out_dir}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
