"""Commands beyond the core ones. Each module here may define `command` (added to `followup`) and
`rulesets_command` (added to `followup rulesets`).

Modules must keep heavy imports inside their functions: every one is imported at start-up.
"""
