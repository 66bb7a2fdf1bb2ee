"""The sentences a message may say: one per content code, each checked against the DON'T rules' lists."""

from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence

from followup_rules.drafting.sandbox import render
from followup_rules.facts.draft_text import analyse

# One sentence per content code, as Jinja source over the same context as the templates. A sentence
# that renders empty (its data is missing from the case) is skipped. Codes that need knowledge only
# the candidate has (a unique strength, market trends, open questions) have no sentence.
SENTENCES: Mapping[str, str] = {
    "express_gratitude": (
        "{% if kind in ('thank_you', 'thank_you_group_lead', 'linkedin_note') %}"
        "Thank you for taking the time to {{ interview.verb }} with me on {{ interview.date }}."
        "{% else %}Thank you again for the opportunity to interview with {{ company }}.{% endif %}"),
    "thank_for_virtual_format": (
        "{% if interview.mode == 'virtual' %}Thank you for arranging the video call.{% endif %}"),
    "address_technical_issues": (
        "{% if interview.technical_issues %}Thank you as well for your patience with the connection "
        "problems during our call.{% endif %}"),
    "reference_specific_topic": "{% if topic %}I especially enjoyed our discussion of {{ topic }}.{% endif %}",
    "reference_recent_interview": (
        "We met on {{ interview.date }} when I interviewed for the {{ position }} role at {{ company }}."),
    "mention_position_and_interview_date": (
        "I am writing to follow up on the {{ position }} position we discussed on {{ interview.date }}."),
    "mention_stated_decision_date": (
        "{% if decision_date %}{% if decision_passed %}You mentioned that you expected to make a decision by "
        "{{ decision_date }}.{% else %}I understand that you expect to make a decision by {{ decision_date }}."
        "{% endif %}{% endif %}"),
    "ask_for_update": "I would be grateful for any update you can share on the hiring process.",
    "mention_competing_offer": (
        "I have received a {% if offer_status == 'written' %}written {% endif %}job offer from another company."),
    "state_preference_for_company": (
        "{{ company }} remains my first choice, and the {{ position }} role is the one I am most excited about."),
    "hope_to_hear_before_deciding": (
        "I would be grateful to hear about your decision before I have to give the other company my answer."),
    "mention_group_contributions": (
        "I also appreciated the chance to work through the exercises alongside the other candidates."),
    "reiterate_interest": "I remain very interested in the {{ position }} role at {{ company }}.",
    "reiterate_enthusiasm": "Our conversation left me even more enthusiastic about the opportunity.",
    "express_growth_enthusiasm": "I am excited about the chance to grow further with {{ company }}.",
    "mention_qualifications_briefly": "I believe my background is a strong fit for what the team needs.",
    "showcase_technical_skills_or_portfolio": "I would be glad to share samples of my work if that would help.",
    "share_work_samples": "I would be glad to share samples of my work if that would help.",
    "offer_info_hard_to_convey_virtually": (
        "{% if interview.mode != 'in_person' %}If anything was hard to convey "
        "{{ 'over video' if interview.mode == 'virtual' else 'by phone' }}, I would be glad to go into more "
        "detail.{% endif %}"),
    "offer_additional_value": (
        "{% if topic %}If it would be useful, I would be glad to share a few more thoughts on {{ topic }}.{% endif %}"),
    "offer_additional_information": "If it would help, I am happy to provide any further information.",
    "request_constructive_feedback": (
        "If you have a moment, I would appreciate any feedback that could help me improve in future interviews."),
    "express_interest_in_future_opportunities": (
        "I would welcome the chance to be considered for future openings at {{ company }}."),
    "ask_lead_to_extend_thanks": (
        "{% if others %}Would you please pass on my thanks to {{ others }}?{% endif %}"),
    "thank_for_time_and_consideration": "Thank you for your time and consideration.",
    "ask_next_steps_at_end": "Could you let me know what the next steps in the process will be?",
    "look_forward_to_hearing": "I look forward to hearing from you.",
    # Sentences templates use that are not content codes.
    "stay_connected": "I would be glad to stay in touch here.",
}

INCLUDE_ORDER = tuple(SENTENCES)


def _acceptable(sentence: str, professional: bool) -> bool:
    """Whether a sentence keeps a draft clean of everything the DON'T rules flag."""
    found = analyse(sentence, spelling=False)
    if (found.emoji_count or found.placeholder_count or found.slang_count or found.pushy_count
            or found.overshare_count or found.assumes_outcome_count or found.negative_count):
        return False
    return not (professional and "!" in sentence)


class Speaker:
    """The sentences of one draft: which codes the action includes, which were said, which are dropped."""

    def __init__(self, context: Mapping[str, Any], include: Sequence[str], professional: bool,
                 dropped: frozenset[str] = frozenset(), placed: frozenset[str] = frozenset()) -> None:
        self.context, self.include, self.professional = context, frozenset(include), professional
        self.dropped, self.placed = dropped, placed
        self.named: set[str] = set()
        self.covered_codes: set[str] = set()
        self.said: list[str] = []
        self.from_rest: set[str] = set()
        self._texts: set[str] = set()

    def _sentence(self, code: str) -> str:
        source = SENTENCES.get(code)
        if source is None or code in self.dropped or code in self.said or code in self.covered_codes:
            return ""
        text = " ".join(render(source, f"<sentence {code}>", self.context).split())
        if not text or text in self._texts or not _acceptable(text, self.professional):
            return ""
        self.said.append(code)
        self._texts.add(text)
        return text

    def say(self, *codes: str) -> str:
        """The sentences of those `codes` the action includes, in the order given."""
        self.named.update(codes)
        return " ".join(filter(None, (self._sentence(c) for c in codes if c in self.include)))

    def line(self, code: str) -> str:
        """The sentence of `code`, whether or not the action includes it."""
        self.named.add(code)
        return self._sentence(code)

    def covered(self, *codes: str) -> str:
        """Mark codes the template's own text already says; they print nothing."""
        self.named.update(codes)
        self.covered_codes.update(codes)
        return ""

    def rest(self) -> str:
        """The sentences of included codes the template does not place itself."""
        out = []
        for code in INCLUDE_ORDER:
            if code in self.include and code not in self.placed and code not in self.named:
                text = self._sentence(code)
                if text:
                    self.from_rest.add(code)
                    out.append(text)
        return " ".join(out)

    def functions(self) -> dict[str, Callable[..., str]]:
        return {"say": self.say, "line": self.line, "rest": self.rest, "covered": self.covered}
