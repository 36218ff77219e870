"""`python -m compliance` runs the command line."""

from compliance.cli.main import main

main()
