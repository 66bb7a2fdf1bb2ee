"""Warnings a job seeker can act on, that never contradict each other or the advice.

- A warning about something already done (raised by the case's history, not by a draft) is noted
  as information: nobody can unsend a message.
- Once the process is over (a rejection, an offer, a withdrawal) no warning about the past is
  raised at all; what is still to do about the ending (answering a rejection) stays.
- Two warnings that cannot both hold (too early and too late for the same message) are shown once
  as a conflict between the sources that raised them.
- A timing warning that contradicts an advised action (one source says too early for a draft, or
  too late for a step still to take, while the merged advice says now) is shown once as a conflict
  with the action's backers. (About a message already sent it is only noted: see the first point.)
"""

from __future__ import annotations

from typing import Sequence

from followup_rules.core.vocabulary import OPPOSITES, PAST_WARNINGS
from followup_rules.resolve.advice import Action, Caution, Conflict, Side

#: Timing warnings and the action whose timing they judge.
TIMING: dict[str, str] = {"thank_you_too_early": "send_thank_you", "thank_you_late": "send_thank_you",
                          "follow_up_too_early": "send_follow_up", "follow_up_too_late": "send_follow_up"}
#: What stays to do once the process is over.
_STILL_TO_DO = frozenset({"rejection_unanswered"})
_NOTED = "already done: noted, for the messages still to come"


def reconcile(cautions: Sequence[Caution], actions: Sequence[Action],
              process_ended: bool) -> tuple[list[Caution], list[Conflict]]:
    """The warnings to show and the conflicts to show instead of contradicting warnings."""
    kept: list[Caution] = []
    for caution in cautions:
        if caution.subject == "history" and caution.code not in _STILL_TO_DO and process_ended:
            continue
        if caution.subject == "history" and caution.code in PAST_WARNINGS:
            caution = Caution(caution.code, "info", caution.by, caution.evidence, caution.subject, _NOTED)
        kept.append(caution)
    conflicts: list[Conflict] = []
    for early, late in OPPOSITES:
        one = [c for c in kept if c.code == early]
        other = [c for c in kept if c.code == late]
        if one and other:
            conflicts.append(Conflict(f"{early} / {late}",
                                      (Side(f"too early ({early})", tuple(x for c in one for x in c.by)),
                                       Side(f"too late ({late})", tuple(x for c in other for x in c.by))),
                                      "the sources disagree; neither warning is raised"))
            kept = [c for c in kept if c.code not in (early, late)]
    for caution in [c for c in kept if c.subject != "history" or c.code not in PAST_WARNINGS]:
        action = next((a for a in actions if a.action == TIMING.get(caution.code) and a.state == "open"
                       and a.projected is None), None)
        if action is None:
            continue
        warners = {c.ruleset for c in caution.by}
        if warners & {c.ruleset for c in action.by}:
            continue
        conflicts.append(Conflict(caution.code,
                                  (Side(f"{action.action.replace('_', ' ')} now", action.by),
                                   Side(caution.code.replace("_", " "), caution.by)),
                                  "the advice follows the sources that back the action", action.action))
        kept.remove(caution)
    return kept, conflicts
