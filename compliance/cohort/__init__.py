"""Many organisations at once: screening weights, signals, the explainable score, ranking and the
local-authority roll-up. Pure functions of reports; no files, no processes."""
