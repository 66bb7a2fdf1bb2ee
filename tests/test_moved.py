"""The module paths that moved in 0.2.0 still work, warn, and give the very same objects."""

from __future__ import annotations

import importlib

import pytest

import followup_rules
from followup_rules import _moved

MOVED = {
    "followup_rules.hookspecs": ("followup_rules.plugin.hookspecs", "hookimpl"),
    "followup_rules.settings": ("followup_rules.delivery.settings", "load_settings"),
    "followup_rules.journal": ("followup_rules.delivery.journal", "Journal"),
    "followup_rules.testing": ("followup_rules.authoring.testing", "collect_paths"),
    "followup_rules.advice": ("followup_rules.resolve.advice", "Advice"),
    "followup_rules.artifact": ("followup_rules.core.artifact", "Artifact"),
    "followup_rules.case": ("followup_rules.core.case", "Case"),
    "followup_rules.problems": ("followup_rules.core.problems", "UserError"),
    "followup_rules.validate": ("followup_rules.rules.validate", "validate_paths"),
}


@pytest.mark.parametrize("old", sorted(MOVED))
def test_an_old_path_forwards_to_the_new_module_with_a_warning(old: str) -> None:
    new, name = MOVED[old]
    module = importlib.import_module(old)
    with pytest.warns(DeprecationWarning, match=f"{old} is deprecated: import from {new} .*{_moved.REMOVED_IN}"):
        found = getattr(module, name)
    assert found is getattr(importlib.import_module(new), name)


def test_an_unknown_name_on_an_old_path_is_an_attribute_error() -> None:
    module = importlib.import_module("followup_rules.hookspecs")
    with pytest.raises(AttributeError), pytest.warns(DeprecationWarning):
        module.no_such_name  # noqa: B018


def test_the_old_warning_class_name_is_the_caution_class() -> None:
    with pytest.warns(DeprecationWarning, match="use followup_rules.Caution"):
        assert followup_rules.Warning is followup_rules.Caution
