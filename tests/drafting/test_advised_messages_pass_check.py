"""A message drafted for an advised action, checked with its own kind at the moment it is advised
for, never trips the rules that advised it: `followup draft` and `followup check` agree."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

import pytest
from _examples import moment_of

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
#: Channel plugin name -> the channel `followup check` checks a text as.
CHECKED = {"email": "email", "linkedin": "linkedin", "letter": "letter"}
#: Draft kind -> the case draft kind it is checked as.
CASE_KIND = {"thank_you": "thank_you", "thank_you_group_lead": "thank_you", "follow_up": "follow_up",
             "final_follow_up": "follow_up", "materials": "materials", "rejection_reply": "rejection_response",
             "feedback_request": "feedback_request", "competing_offer": "competing_offer_notice",
             "linkedin_note": "linkedin_request"}


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_every_drafted_message_passes_check_at_its_advised_moment(
        path: Path, tmp_path: Path, followup_in_process: Callable[..., tuple[int, str, str]],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FOLLOWUP_FROM", "Alex Candidate <alex@example.com>")
    at = moment_of(path)
    code, out, err = followup_in_process("advise", str(path), "--at", at, "--format", "json")
    assert code == 0, err
    actions: list[dict[str, Any]] = json.loads(out)["actions"]
    checked = 0
    for number, action in enumerate(actions, 1):
        if action["projected"] or action["action"] == "place_call":
            continue  # a projected step waits on another; a call script is spoken, not sent
        code, out, err = followup_in_process("draft", str(path), "--at", at, "--action", str(number), "--format", "json")
        if code == 2 and "not a message to draft" in err:
            continue
        assert code == 0, err
        drafted = json.loads(out)
        channel = CHECKED.get(drafted["channel"])
        if channel is None:
            continue
        for message in drafted["messages"]:
            when = message["meta"].get("send_at") or max(at, action["window"]["target"] if action["window"] else at)
            text = tmp_path / f"{number}-{checked}.txt"
            text.write_text(message["body"], encoding="utf-8")
            code, out, err = followup_in_process("check", str(text), "--case", str(path), "--at", when,
                                  "--kind", CASE_KIND[drafted["kind"]], "--channel", channel)
            assert code == 0, f"{path.stem} action {number} ({action['action']}), sent {when}:\n{out}{err}"
            checked += 1
    assert checked, f"{path.stem}: no message was drafted and checked"
