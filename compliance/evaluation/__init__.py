"""From a validated return to findings: measures in Python, conditions in durable-rules."""
