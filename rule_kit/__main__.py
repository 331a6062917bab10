"""`python -m rule_kit` runs the command line."""

from rule_kit.cli import main

main()
