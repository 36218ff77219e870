"""The use cases (assess, screen, diff, snapshot, lint, rule cases, fixture generation): the
composition root that the CLI, tests and any other front end call."""
