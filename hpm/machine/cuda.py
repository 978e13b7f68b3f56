"""Which CUDA version an NVIDIA driver supports.

The table is NVIDIA's "CUDA Toolkit and Corresponding Driver Versions" (Table 3 of the CUDA
Toolkit release notes, https://docs.nvidia.com/cuda/cuda-toolkit-release-notes/, and the archived
notes for CUDA 8 to 11): the minimum Linux x86_64 driver of each toolkit's first (GA) release. A
driver runs its own CUDA version and every older one; that version is what ``nvidia-smi`` prints
as "CUDA Version" (driver 535.104.05 -> 12.2, 580.159.04 -> 13.0).

uv's ``uv-torch`` crate (``LINUX_CUDA_DRIVERS`` in ``crates/uv-torch/src/backend.rs``, derived from
light-the-torch) keys its ``--torch-backend=auto`` choice on Table 2 instead: the minimum driver
for CUDA *minor version compatibility* (any 12.x build on >= 525.60.13, 13.x on >= 580). hpm's
``cuda`` fact is the stricter, native version, so a condition ``cuda: ">=12.4"`` means what
``nvidia-smi`` says; a registry that relies on minor version compatibility can state it with
``cuda_driver: ">=525.60.13"``. Windows drivers are numbered differently: there the ``cuda``
fact comes from ``nvidia-smi``'s own report.
"""

from __future__ import annotations

# (minimum driver, CUDA version), newest first. Versions are compared as integer tuples.
_LINUX_GA_DRIVERS: tuple[tuple[tuple[int, ...], str], ...] = (
    ((590, 44, 1), "13.1"),
    ((580, 65, 6), "13.0"),
    ((575, 51, 3), "12.9"),
    ((570, 26), "12.8"),
    ((560, 28, 3), "12.6"),
    ((555, 42, 2), "12.5"),
    ((550, 54, 14), "12.4"),
    ((545, 23, 6), "12.3"),
    ((535, 54, 3), "12.2"),
    ((530, 30, 2), "12.1"),
    ((525, 60, 13), "12.0"),
    ((520, 61, 5), "11.8"),
    ((515, 43, 4), "11.7"),
    ((510, 39, 1), "11.6"),
    ((495, 29, 5), "11.5"),
    ((470, 42, 1), "11.4"),
    ((465, 19, 1), "11.3"),
    ((460, 27, 3), "11.2"),
    ((455, 23), "11.1"),
    ((450, 36, 6), "11.0"),
    ((440, 33), "10.2"),
    ((418, 39), "10.1"),
    ((410, 48), "10.0"),
    ((396, 26), "9.2"),
    ((390, 46), "9.1"),
    ((384, 81), "9.0"),
    ((367, 48), "8.0"),
)


def parse_driver(text: str) -> tuple[int, ...] | None:
    """``"580.159.04"`` -> ``(580, 159, 4)``; None for anything that is not a dotted number."""
    parts = text.strip().split(".")
    if not parts or not all(part.isdigit() and part.isascii() for part in parts):
        return None
    return tuple(int(part) for part in parts)


def cuda_for_driver(driver: str) -> str | None:
    """The highest CUDA version (``"12.2"``) a Linux driver (``"535.104.05"``) supports, or None."""
    version = parse_driver(driver)
    if version is None:
        return None
    for minimum, cuda in _LINUX_GA_DRIVERS:
        if version >= minimum:
            return cuda
    return None
