"""Tests for followup_rules.draft: counts, findings and their positions, paragraphs, topics."""

from __future__ import annotations

import json
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from followup_rules.facts.draft_text import WORDLIST_KINDS, DraftAnalysis, Flag, analyse, load_wordlists

CLEAN_EMAIL = """\
Dear Ms. Rivera,

Thank you for taking the time to meet with me on Tuesday to discuss the Data Engineer position at \
Contoso. I enjoyed learning about your team's migration to a streaming data pipeline and the \
challenges of keeping latency low as you scale.

Our conversation reinforced my interest in the role. My experience building Kafka-based ingestion \
at Fabrikam would let me contribute from the start, and I would be glad to share the design notes \
I mentioned (https://example.com/notes).

Please let me know if I can provide any further information. I look forward to hearing from you \
about the next steps.

Best regards,
Jordan Lee
jordan.lee@example.com
(555) 010-2233
"""

FIVE_PARAGRAPHS = """\
Hi [Interviewer's Name],

Thanks for the chat today!! 😀 It was great.

I loved hearing about the new analytics platform 🚀.

I think I would be a strong fit for the team.

Please get back to me ASAP!!! 🙏

I can send references if that helps.

Best regards,
Sam
"""


def kinds(analysis: DraftAnalysis) -> list[tuple[str, int, int, str]]:
    """The findings as plain tuples, for comparison."""
    return [(f.kind, f.line, f.column, f.text) for f in analysis.findings]


def test_clean_professional_email_has_no_findings() -> None:
    analysis = analyse(CLEAN_EMAIL, topics=["streaming data pipeline"])
    assert analysis.findings == ()
    assert analysis.paragraphs == 3
    assert analysis.emoji_count == 0
    assert analysis.exclamation_run == 0
    assert analysis.placeholder_count == 0
    assert analysis.mentions_topic is True
    assert analysis.mentions_competing_offer is False


@pytest.mark.parametrize(
    "sentence",
    [
        "I would be glad to send the code sample by end of day tomorrow.",
        "As I have not heard back yet, I wanted to check in on the timeline.",
        "I am following up again on the Data Engineer position.",
        "You mentioned an urgent need to scale the platform before the U.S. launch.",
        "Our team broke new ground on cache eviction and multi-region failover.",
        "I designed the mockups in Adobe XD and presented them at 10:30.",
        "When I start a new project, I write the tests first.",
        "I look forward to working with you and hearing about next steps.",
        "I enjoyed the yo-yo story and the coffee at 9:00.",
        "Thank you for the tour of what your team has built, and for your time today.",
        "I truly appreciated the thoughtful questions about my experience.",
        "See [the paper](https://example.com/paper) I mentioned [sic] in reference [1].",
    ],
)
def test_normal_professional_sentences_raise_nothing(sentence: str) -> None:
    assert analyse(sentence).findings == ()


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("Great meeting you 😀 today", ("emoji", 1, 19, "😀")),
        ("Thanks again :-) Pat", ("emoji", 1, 14, ":-)")),
        ("line one\nI <3 the product", ("emoji", 2, 3, "<3")),
        ("It went well xD", ("emoji", 1, 14, "xD")),
        ("Thank you!!! for everything", ("exclamation", 1, 10, "!!!")),
        ("Hello\n\nDear [Company] team", ("placeholder", 3, 6, "[Company]")),
        ("Hi {name}, thanks", ("placeholder", 1, 4, "{name}")),
        ("Hi {{ first_name }}, thanks", ("placeholder", 1, 4, "{{ first_name }}")),
        ("To <<NAME>> and team", ("placeholder", 1, 4, "<<NAME>>")),
        ("I'm gonna send it", ("slang", 1, 5, "gonna")),
        ("Thx for the call", ("slang", 1, 1, "Thx")),
        ("Thank u for your time", ("slang", 1, 7, "u")),
        ("I need this,\nplease reply as soon as possible.", ("pushy", 2, 8, "reply as soon as possible")),
        ("Why haven't I heard anything?", ("pushy", 1, 1, "Why haven't I heard")),
        ("Honestly my divorce made it hard", ("overshare", 1, 10, "my divorce")),
        ("I can't wait for my first day", ("assumes_outcome", 1, 18, "my first day")),
        ("Frankly it was a waste of time", ("negative", 1, 18, "waste of time")),
        ("I have a competing offer", ("competing_offer", 1, 10, "competing offer")),
        ("The Dude’s view", ("slang", 1, 5, "Dude")),
        ("İstanbul was fun lol", ("slang", 1, 18, "lol")),
    ],
)
def test_each_kind_is_found_at_its_line_and_column(
    body: str, expected: tuple[str, int, int, str]
) -> None:
    assert kinds(analyse(body)) == [expected]


def test_five_paragraph_draft_with_emojis_asap_and_placeholder() -> None:
    analysis = analyse(FIVE_PARAGRAPHS)
    assert analysis.paragraphs == 5
    assert analysis.exclamation_run == 3
    assert analysis.emoji_count == 3
    assert analysis.placeholder_count == 1
    assert analysis.pushy_count == 1
    assert kinds(analysis) == [
        ("placeholder", 1, 4, "[Interviewer's Name]"),
        ("exclamation", 3, 26, "!!"),
        ("emoji", 3, 29, "😀"),
        ("emoji", 5, 50, "🚀"),
        ("pushy", 9, 23, "ASAP"),
        ("exclamation", 9, 27, "!!!"),
        ("emoji", 9, 31, "🙏"),
    ]


def test_counts_match_findings_of_each_kind() -> None:
    body = (
        "Hey guys, lol, I'm stoked!\n"
        "I need an answer, I'm still waiting.\n"
        "I'm desperate and my rent is due.\n"
        "When do I start? My start date?\n"
        "This is ridiculous and unfair.\n"
    )
    analysis = analyse(body)
    assert (
        analysis.slang_count, analysis.pushy_count, analysis.overshare_count,
        analysis.assumes_outcome_count, analysis.negative_count,
    ) == (3, 2, 2, 2, 2)
    assert [f.text for f in analysis.findings if f.kind == "slang"] == ["Hey guys", "lol", "stoked"]


def test_longest_entry_wins_where_two_start_at_the_same_word() -> None:
    assert kinds(analyse("Well, hey guys and hey.")) == [
        ("slang", 1, 7, "hey guys"), ("slang", 1, 20, "hey"),
    ]


def test_phrases_span_line_breaks_and_hyphens() -> None:
    assert kinds(analyse("We have a counter-offer and\nanother\n  offer too")) == [
        ("competing_offer", 1, 11, "counter-offer"),
        ("competing_offer", 2, 1, "another\n  offer"),
    ]


@pytest.mark.parametrize(
    ("body", "run", "texts"),
    [
        ("Thanks!", 1, []),
        ("Thanks!! Really!", 2, ["!!"]),
        ("Great news!!1", 3, ["!!1"]),
        ("Done!!!11 yes", 5, ["!!!11"]),
        ("Ranked!1st place", 1, []),
        ("No marks here.", 0, []),
    ],
)
def test_exclamation_runs(body: str, run: int, texts: list[str]) -> None:
    analysis = analyse(body)
    assert analysis.exclamation_run == run
    assert [f.text for f in analysis.findings if f.kind == "exclamation"] == texts


@pytest.mark.parametrize(
    ("body", "texts"),
    [
        ("Team 👨\u200d👩\u200d👧 photo", ["👨\u200d👩\u200d👧"]),
        ("Go 🇨🇦 and 🇺🇸", ["🇨🇦", "🇺🇸"]),
        ("Nice 👍🏽 work", ["👍🏽"]),
        ("Love ❤️ and ❤", ["❤️", "❤"]),
        ("Step 1️⃣ done", ["1️⃣"]),
        ("Rainbow 🏳️\u200d🌈 flag", ["🏳️\u200d🌈"]),
        ("Sunny ☀ day ✨", ["☀", "✨"]),
        ("Checked ✓ → next • item © 2025", []),
        ("Hmm :( ok ;) fine :D", [":(", ";)", ":D"]),
        ("At 10:30 (see item 3:) and https://x.example/a:)b", []),
    ],
)
def test_emojis_and_emoticons(body: str, texts: list[str]) -> None:
    analysis = analyse(body)
    assert [f.text for f in analysis.findings if f.kind == "emoji"] == texts
    assert analysis.emoji_count == len(texts)


def test_columns_count_code_points_after_an_emoji() -> None:
    assert kinds(analyse("🎉🎉 lol")) == [
        ("emoji", 1, 1, "🎉"), ("emoji", 1, 2, "🎉"), ("slang", 1, 4, "lol"),
    ]


def test_markdown_links_and_non_names_are_not_placeholders() -> None:
    body = "See [my portfolio](https://example.com), [1], [sic], [x], {} and [ 2 ]."
    assert analyse(body).placeholder_count == 0


def test_words_inside_urls_and_emails_are_not_findings() -> None:
    body = "Profile: https://example.com/lol/asap?u=1 or yo.dude@example.com"
    assert analyse(body).findings == ()


@pytest.mark.parametrize(
    ("body", "paragraphs"),
    [
        ("", 0),
        ("   \n\n  ", 0),
        ("Dear Pat,\n\nOne.\n\nTwo.\n\nSincerely,\nJane Doe", 2),
        ("Hi Pat,\nOne.\nStill one.\n\nTwo.\nThanks,\nJane", 2),
        ("Hello Dr. Smith,\n\nOne.\n\nCheers", 1),
        ("Hi Pat, thanks for today.\n\nTwo.", 2),
        ("Good morning team!\n\nOne.\n\nThanks again, Pat Lee", 1),
        ("One.\n\nTwo.\n\nThree.\n\nJane Doe", 3),
        ("One.\n\nBest,\n\nJane\nEngineer, Contoso\n555-0100", 1),
        ("One.\n\nBest,\nJane\n\nP.S. I attached the code sample we discussed.", 2),
        ("One.\n\nKind regards,\nJane\n-- \nJane Doe\nSome long company disclaimer text that goes on and on.", 1),
        ("Dear Pat,\n\nThank you for your time today.", 1),
        ("One.\n\nThanks!\n\nThis paragraph follows the thanks and is real content.", 3),
    ],
)
def test_paragraphs_exclude_greeting_and_sign_off(body: str, paragraphs: int) -> None:
    assert analyse(body).paragraphs == paragraphs


def test_words_count_the_whole_body() -> None:
    analysis = analyse("Hi Pat,\n\nI'm glad we met — a follow-up note 🙂.\n\nBest,\nJo")
    assert analysis.words == 11


@pytest.mark.parametrize(
    ("topics", "body", "expected"),
    [
        (["Kubernetes"], "I enjoyed our talk on kubernetes.", True),
        (["data pipeline migration"], "The migration of your pipelines was fascinating.", True),
        (["data pipeline migration"], "I am excited about the migration.", False),
        (["the roadmap"], "Your roadmap for Q3 is ambitious.", True),
        (["product roadmap"], "Your roadmap for Q3 is ambitious.", False),
        (["C++"], "My C++ work at Fabrikam", True),
        (["C++"], "My C# work at Fabrikam", False),
        (["team’s onboarding process"], "I liked the team's onboarding approach.", True),
        (["AI"], "We discussed ai safety.", True),
        (["AI"], "We discussed maintenance.", False),
        (["about this with them"], "I have thoughts about this.", False),
        (["hiring timeline", "remote work policy"], "The remote policy sounds great.", True),
        ([], "Anything at all", False),
    ],
)
def test_topic_matching(topics: list[str], body: str, expected: bool) -> None:
    assert analyse(body, topics=topics).mentions_topic is expected


def test_extra_words_add_entries_to_a_list() -> None:
    body = "Looking forward to the synergy, circle back soon."
    assert analyse(body).findings == ()
    analysis = analyse(body, extra_words={"slang": ["circle back"], "pushy": ["Synergy"]})
    assert kinds(analysis) == [("pushy", 1, 24, "synergy"), ("slang", 1, 33, "circle back")]
    assert analysis.slang_count == 1 and analysis.pushy_count == 1


def test_extra_words_with_an_unknown_key_name_the_nearest_list() -> None:
    with pytest.raises(ValueError, match=r"unknown word list 'slag' \(did you mean 'slang'\?\)"):
        analyse("text", extra_words={"slag": ["x"]})


def test_extra_words_reject_blank_entries() -> None:
    with pytest.raises(ValueError, match="pushy"):
        analyse("text", extra_words={"pushy": ["  "]})


def test_curly_and_straight_apostrophes_match_the_same_entries() -> None:
    straight = analyse("Y'all know I'm broke. Why haven't I heard?")
    curly = analyse("Y’all know I’m broke. Why haven’t I heard?")
    assert [(f.kind, f.column) for f in straight.findings] == [(f.kind, f.column) for f in curly.findings]
    assert kinds(curly) == [
        ("slang", 1, 1, "Y’all"),
        ("overshare", 1, 12, "I’m broke"),
        ("pushy", 1, 23, "Why haven’t I heard"),
    ]


def test_crlf_and_cr_line_endings_give_the_same_analysis() -> None:
    crlf = analyse(FIVE_PARAGRAPHS.replace("\n", "\r\n"))
    cr = analyse(FIVE_PARAGRAPHS.replace("\n", "\r"))
    assert crlf == analyse(FIVE_PARAGRAPHS) == cr


def test_empty_body() -> None:
    analysis = analyse("", topics=["anything"])
    assert analysis == DraftAnalysis(
        paragraphs=0, words=0, emoji_count=0, exclamation_run=0, placeholder_count=0, misspelling_count=0,
        slang_count=0, pushy_count=0, overshare_count=0, assumes_outcome_count=0,
        negative_count=0, mentions_topic=False, mentions_competing_offer=False, findings=(),
    )


def test_to_dict_is_json_ready() -> None:
    data = analyse("Hi {name} lol").to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["findings"] == [
        {"kind": "placeholder", "line": 1, "column": 4, "text": "{name}", "fix": ""},
        {"kind": "slang", "line": 1, "column": 11, "text": "lol", "fix": ""},
    ]
    assert data["slang_count"] == 1 and data["placeholder_count"] == 1


def test_wordlists_are_loaded_once_and_well_formed() -> None:
    lists = load_wordlists()
    assert lists is load_wordlists()
    assert tuple(lists) == WORDLIST_KINDS
    for kind, entries in lists.items():
        assert 15 <= len(entries) <= 120, kind
        assert len({e.lower() for e in entries}) == len(entries), kind


@pytest.mark.parametrize("kind", WORDLIST_KINDS)
def test_every_entry_is_found_in_a_sentence(kind: str) -> None:
    for entry in load_wordlists()[kind]:
        found = [f for f in analyse(f"Well, {entry.upper()} indeed.").findings if f.kind == kind]
        assert [(f.column, f.text.lower()) for f in found] == [(7, entry)], entry


def test_adversarial_bodies_are_fast() -> None:
    bodies = [
        "[" * 50_000, "{" * 50_000, "<" * 50_000, "!" * 50_000, ":" * 50_000,
        "a" * 50_000 + "@", "hi " * 20_000, ("still " * 5 + "\n") * 5_000, "\u200d👍" * 20_000,
        "lol http://x.example :) " * 5_000, "1\ufe0f" * 20_000,
    ]
    started = time.perf_counter()
    for body in bodies:
        analyse(body, topics=["still waiting for the data pipeline"])
    assert time.perf_counter() - started < 5.0


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            list("ab1 !:)([]{}<>\n\r'’-") + ["lol", "ASAP", "😀", "🏽", "\u200d", "my rent", "http://"]
        )
    ).map("".join)
)
def test_every_finding_points_at_its_text(body: str) -> None:
    analysis = analyse(body)
    lines = body.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for finding in analysis.findings:
        assert isinstance(finding, Flag)
        line = lines[finding.line - 1]
        assert line[finding.column - 1:].startswith(finding.text.split("\n")[0])
    assert list(analysis.findings) == sorted(
        analysis.findings, key=lambda f: (f.line, f.column)
    )
