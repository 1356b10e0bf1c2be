"""``python -m rectify``: the same as the ``rectify`` command."""

from rectify.entrypoints.cli import main

main()
