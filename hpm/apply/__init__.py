"""Applying a resolution: the plan, requirements, the uv driver, the journal, the file lock."""
