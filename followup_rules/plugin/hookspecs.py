"""The plugin hooks (pluggy). Plugins register under the entry-point group ``followup_rules``.

Built-in channels are plugins registered exactly like outside ones. Every hook's arguments are
passed by keyword; a plugin may accept any subset of them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping, Sequence

import pluggy

if TYPE_CHECKING:
    from datetime import datetime

    from followup_rules.core.artifact import Artifact, Receipt
    from followup_rules.core.business_days import BusinessCalendar
    from followup_rules.core.case import Case
    from followup_rules.resolve.advice import Action, Advice

PROJECT = "followup_rules"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def followup_rulesets() -> Sequence[str]:  # type: ignore[empty-body]
    """Provide rulesets, so rule packs ship as pip packages.

    :return: paths (``str``) of ruleset files or folders; every plugin's results are used, in
        registration order, and become part of the search path (``followup rulesets list``).
    """


@hookspec(firstresult=True)
def followup_calendar(case: "Case") -> "BusinessCalendar | None":
    """Provide the business calendar for a case (for example a company's own closing days).

    :param case: the case being evaluated.
    :return: a ``BusinessCalendar``, or None to leave the choice to other plugins. The first
        non-None result wins; without one, the public holidays of the candidate's country are used.
    """


@hookspec
def followup_enrich_facts(case: "Case", at: "datetime", facts: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """Adjust derived facts before the rules run.

    :param case: the case being evaluated.
    :param at: the moment evaluated (aware, in the candidate's timezone).
    :param facts: the facts derived so far, read-only.
    :return: a mapping of fact name to new value, or None. Every plugin's result is applied in
        registration order; names must be facts of the vocabulary and values of the fact's type,
        otherwise the plugin is reported and its result ignored.
    """


@hookspec
def followup_channels() -> Sequence[str]:  # type: ignore[empty-body]
    """Name the channels this plugin can render actions into (e.g. ``email``, ``calendar``).

    :return: channel names; every plugin's results are collected for ``followup plugins`` and for
        choosing a channel in ``followup draft``.
    """


@hookspec(firstresult=True)
def followup_render(action: "Action", index: int, case: "Case", advice: "Advice", channel: str,
                    settings: Mapping[str, Any]) -> "Artifact | None":
    """Render one action of the advice into an artifact for a channel (a draft, an event, a note).

    :param action: the action to render.
    :param index: its 1-based position in ``advice.actions`` (``followup draft --action N``).
    :param case: the case the advice is for.
    :param advice: the whole advice, for context (rulesets, warnings).
    :param channel: the channel asked for.
    :param settings: user settings (never from a ruleset).
    :return: an ``Artifact``, or None when this plugin does not handle ``channel``. The first
        non-None result wins.
    """


@hookspec(firstresult=True)
def followup_deliver(artifact: "Artifact", settings: Mapping[str, Any], dry_run: bool) -> "Receipt | None":
    """Deliver an artifact (send an email, post a webhook).

    :param artifact: what to deliver.
    :param settings: user settings (host, credentials from the environment, never from a ruleset).
    :param dry_run: when true, describe what would be delivered and deliver nothing.
    :return: a ``Receipt``, or None when this plugin does not deliver ``artifact.channel``. The
        first non-None result wins.
    """


@hookspec
def followup_advice(advice: "Advice", case: "Case") -> None:
    """Observe finished advice (log it, forward it). Called after every ``advise``.

    :param advice: the advice just produced.
    :param case: the case it is for.
    :return: nothing; every plugin is called, and an exception in one is reported, not raised.
    """
