"""Example package metric-latency from the hpm example registry."""

NAME = "metric-latency"


def describe() -> str:
    """A one-line description, to show that the package is installed and importable."""
    return f"{NAME} 0.1.0 (hpm example registry)"
