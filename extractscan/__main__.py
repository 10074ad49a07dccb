"""``python -m extractscan``."""

from extractscan.cli.main import run

run()
