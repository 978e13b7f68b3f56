"""One module per command: the use case ``run(ctx, ...) -> Report`` and its click ``command``.

The use cases print nothing: ``hpm.cli.project.project_command`` shows what they return through
``hpm.views``.
"""
