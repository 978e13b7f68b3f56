"""Tiny wheels written file by file (no build backend, no network), for local flat indexes."""

from __future__ import annotations

import base64
import hashlib
import zipfile
from collections.abc import Sequence
from pathlib import Path


def write_wheel(directory: Path, name: str, version: str, requires: Sequence[str] = ()) -> Path:
    """``name-version-py3-none-any.whl`` in ``directory``: a module ``name`` (``-`` -> ``_``)
    whose ``VERSION`` is ``version``, so a test can ask the environment which build it has.

    The bytes depend only on the arguments (fixed timestamps), so committed wheels can be
    checked against freshly written ones."""
    dist = name.replace("-", "_")
    info = f"{dist}-{version}.dist-info"
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    metadata += "".join(f"Requires-Dist: {r}\n" for r in requires)
    files = {
        f"{dist}/__init__.py": f'VERSION = "{version}"\n',
        f"{info}/METADATA": metadata,
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: hpm-tests\nRoot-Is-Purelib: true\n"
        "Tag: py3-none-any\n",
    }
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{dist}-{version}-py3-none-any.whl"
    record = []
    with zipfile.ZipFile(path, "w") as archive:
        for member, text in files.items():
            data = text.encode()
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            archive.writestr(_member(member), data)
            record.append(f"{member},sha256={digest.decode()},{len(data)}")
        record.append(f"{info}/RECORD,,")
        archive.writestr(_member(f"{info}/RECORD"), "\n".join(record) + "\n")
    return path


def _member(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.external_attr = 0o644 << 16
    return info


# The builds of the accelerator example: per flat index, (name, version, requires).
ACCELERATOR_WHEELS = {
    "cu130": [
        ("torch", "2.9.0+cu130", ()),
        ("torchvision", "0.24.0+cu130", ("torch",)),
        ("nvidia-cuda-runtime", "13.0.96", ()),
    ],
    "cu124": [
        ("torch", "2.5.0+cu124", ()),
        ("torchvision", "0.20.0+cu124", ("torch",)),
        ("nvidia-cuda-runtime", "12.4.127", ()),
    ],
    "cpu": [
        ("torch", "2.5.0+cpu", ()),
        ("torchvision", "0.20.0+cpu", ("torch",)),
    ],
}


def write_accelerator_indexes(root: Path) -> Path:
    """``root/<label>/*.whl`` for every label of :data:`ACCELERATOR_WHEELS`."""
    for label, wheels in ACCELERATOR_WHEELS.items():
        for name, version, requires in wheels:
            write_wheel(root / label, name, version, requires)
    return root
