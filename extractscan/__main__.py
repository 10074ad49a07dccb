"""``python -m extractscan``."""

from extractscan.cli import run

run()
