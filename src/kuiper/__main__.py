"""``python -m kuiper`` runs the command line."""

from .cli import main

main()
