"""``python -m demo.generator``: see demo.generator.cli."""

from demo.generator.cli import main

main()
