"""`python -m pipeline.cli`: the same program as the `bitext` script."""

from pipeline.cli import app

app()
