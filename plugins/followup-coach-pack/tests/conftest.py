"""The followup_plugins fixture, for running the pack's hook without installing it."""

pytest_plugins = ["followup_rules.pytest_plugin"]
