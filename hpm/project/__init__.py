"""The project: discovery, the [tool.hpm] manifest, hpm.lock, TOML editing, the selection."""
