"""Example package vlm-adapter-qwen from the hpm example registry."""

NAME = "vlm-adapter-qwen"


def describe() -> str:
    """A one-line description, to show that the package is installed and importable."""
    return f"{NAME} 0.1.0 (hpm example registry)"
