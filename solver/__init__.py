"""A pure constraint engine for group selections (see solver.model)."""
