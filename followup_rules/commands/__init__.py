"""Commands beyond the core ones: each module here defines `command`, a click command added to `followup`.

Modules must keep heavy imports inside their functions: every one is imported at start-up.
"""
