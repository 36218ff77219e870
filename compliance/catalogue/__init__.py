"""The rules as data: their schema, loading and caching a catalogue, prerequisites, profiles, and
rules at a git revision."""
