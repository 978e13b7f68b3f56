"""The use cases, one module per command: parse nothing, print nothing, return data."""
