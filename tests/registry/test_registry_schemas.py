"""The JSON Schemas in hpm/schemas/ agree with the loader on the scenario registries.

``jsonschema`` is not a dependency, so a tiny validator for the keywords these schemas use
checks them: every file of a valid case conforms, and typical invalid files do not.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from hpm.registry.yamlfile import read_document

REPO = Path(__file__).resolve().parents[2]
SCHEMAS = REPO / "hpm" / "schemas"
CASES = REPO / "tests" / "cases" / "registry"
TYPES = {
    "object": dict,
    "array": list,
    "string": str,
    "boolean": bool,
    "integer": int,
}


def schema(name: str) -> dict:
    return json.loads((SCHEMAS / f"{name}.schema.json").read_text())


def conforms(value: object, node: object, root: dict) -> bool:
    """Whether ``value`` conforms to ``node`` (a subset of draft 2020-12)."""
    if isinstance(node, bool):
        return node
    if "$ref" in node:
        target: object = root
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        if not conforms(value, target, root):
            return False
    if "type" in node:
        kind = TYPES[node["type"]]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            return False
    if "const" in node and value != node["const"]:
        return False
    if "enum" in node and value not in node["enum"]:
        return False
    if isinstance(value, str) and "pattern" in node and not re.search(node["pattern"], value):
        return False
    if isinstance(value, int) and "minimum" in node and value < node["minimum"]:
        return False
    if isinstance(value, list):
        if len(value) < node.get("minItems", 0):
            return False
        if "items" in node and not all(conforms(v, node["items"], root) for v in value):
            return False
    if isinstance(value, dict):
        if any(key not in value for key in node.get("required", ())):
            return False
        props = node.get("properties", {})
        for key, item in value.items():
            if key in props:
                if not conforms(item, props[key], root):
                    return False
            elif node.get("additionalProperties", True) is False:
                return False
        for key, needed in node.get("dependentRequired", {}).items():
            if key in value and any(n not in value for n in needed):
                return False
    if "allOf" in node and not all(conforms(value, s, root) for s in node["allOf"]):
        return False
    if "anyOf" in node and not any(conforms(value, s, root) for s in node["anyOf"]):
        return False
    if "not" in node and conforms(value, node["not"], root):
        return False
    if "if" in node and conforms(value, node["if"], root):
        return conforms(value, node.get("then", True), root)
    return True


def registry_documents(root: Path) -> list[tuple[str, object]]:
    """``(schema name, data)`` for every file of the registry at ``root``."""
    found = [("group", p) for p in sorted((root / "groups").glob("*.yaml"))]
    found += [("package", p) for p in sorted((root / "packages").glob("*.yaml"))]
    for name in ("rules", "indexes"):
        if (root / f"{name}.yaml").is_file():
            found.append((name, root / f"{name}.yaml"))
    out = []
    for name, path in found:
        doc, problems = read_document(path, path.name)
        assert doc is not None and not problems
        out.append((name, doc.data))
    return out


def valid_cases() -> list[Path]:
    return [
        p
        for p in sorted(CASES.iterdir())
        if (p / "expect.json").is_file()
        and "problems" not in json.loads((p / "expect.json").read_text())
    ]


def test_schemas_are_draft_2020_12() -> None:
    for name in ("group", "package", "rules", "indexes"):
        assert schema(name)["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_option_and_package_source_fields_agree() -> None:
    group, package = schema("group"), schema("package")
    option = group["$defs"]["option"]["anyOf"][1]["properties"]
    for key, value in package["properties"].items():
        if key not in ("name", "override"):  # a file-level flag, not a source field
            assert option[key] == value
    assert group["$defs"]["sourceRules"] == package["$defs"]["sourceRules"]


@pytest.mark.parametrize("case", valid_cases(), ids=lambda p: p.name)
def test_valid_cases_conform(case: Path) -> None:
    documents = registry_documents(case)
    assert documents
    for name, data in documents:
        assert conforms(data, schema(name), schema(name)), (case.name, name, data)


@pytest.mark.parametrize(
    ("name", "case", "file"),
    [
        ("group", "unknown_keys", "groups/g.yaml"),
        ("group", "unknown_strategy", "groups/a.yaml"),
        ("group", "unknown_strategy", "groups/d.yaml"),
        ("group", "bounds", "groups/c.yaml"),  # min/max on a 1-of-N group
        ("group", "wrong_types", "groups/g.yaml"),
        ("group", "missing_required", "groups/c.yaml"),  # empty options
        ("group", "bad_git", "groups/a.yaml"),
        ("group", "bad_names", "groups/a.yaml"),
        ("package", "packages_errors", "packages/x.yaml"),  # git and version
        ("package", "packages_errors", "packages/y.yaml"),  # misspelt key
        ("rules", "rules_errors", "rules.yaml"),
        ("rules", "rules_not_list", "rules.yaml"),
        ("indexes", "bundle_errors", "indexes.yaml"),
        ("group", "bundle_errors", "groups/a.yaml"),
        ("group", "machine_errors", "groups/accelerator.yaml"),
    ],
)
def test_invalid_files_do_not_conform(name: str, case: str, file: str) -> None:
    doc, _ = read_document(CASES / case / file, file)
    assert doc is not None
    assert not conforms(doc.data, schema(name), schema(name))
