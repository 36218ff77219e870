"""The vocabulary everything else is written in: outcomes, the return and result models, errors and
the exit policy. Imports nothing else from the package."""
