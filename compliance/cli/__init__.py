"""The command line: arguments in, the application layer, a format, an exit code out; nothing else."""
