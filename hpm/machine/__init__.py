"""The machine hpm runs on, as facts (os, arch, python, gpu, cuda, ...) each with its source.

Detection (``detect``) and the facts (``facts``) import only the standard library, so that
``python3 -m hpm.machine.detect --json`` runs on a bare Python (a GPU box without hpm's
dependencies). Nothing heavy is imported here.
"""
