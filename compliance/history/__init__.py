"""The history store: every recorded assessment, so trends and deterioration can be shown."""
