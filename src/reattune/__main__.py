"""``python -m reattune``."""

from reattune.cli.main import run

run()
