"""Validation of ruleset files: schema, semantics, and quotes checked against their sources."""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Sequence

from followup_rules.core._reading import confined, read_text
from followup_rules.core._resources import shipped_dir
from followup_rules.core._yaml import Document, load_file
from followup_rules.core.problems import Problem, UserError
from followup_rules.core.ruleset import Ruleset
from followup_rules.rules.load import parse_ruleset

_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Text with every run of whitespace (no-break spaces included) turned into one space."""
    return _SPACE.sub(" ", text.replace("\u00a0", " ")).strip()


def ruleset_files(paths: Sequence[str]) -> list[Path]:
    """The ruleset files named by `paths` (folders searched), or the shipped ones."""
    roots = [Path(p) for p in paths] or [shipped_dir("rulesets") / "sources", shipped_dir("rulesets") / "industries"]
    files: list[Path] = []
    for root in roots:
        if root.is_dir():
            files += sorted(p for p in root.rglob("*") if p.suffix in (".yaml", ".yml", ".json")
                            and "cases" not in p.relative_to(root).parts)
        elif root.is_file():
            files.append(root)
        else:
            raise UserError([Problem(str(root), 1, 1, "FR001", "no such ruleset file or folder")])
    return files


def validate_paths(paths: Sequence[str], sources: str | None = None) -> list[Problem]:
    """Every problem in the ruleset files, quotes included when `sources` is given."""
    from followup_rules.rules.library import Library

    problems: list[Problem] = []
    library: Library | None = None
    for file in ruleset_files(paths):
        try:
            ruleset = parse_ruleset(load_file(file))
            if ruleset.extends:
                library = library or Library(list(paths))
                ruleset = library.resolve(ruleset)
        except UserError as exc:
            problems += exc.problems
            continue
        if sources:
            problems += check_quotes(ruleset, Path(sources))
    return sorted(set(problems))


def closest_passage(quote: str, text: str) -> str:
    """The passage of `text` (a window of the quote's length) most like `quote`."""
    words, target = text.split(" "), quote.split(" ")
    size = max(1, len(target))
    best, best_ratio = "", -1.0
    matcher = difflib.SequenceMatcher(autojunk=False)
    matcher.set_seq2(quote)
    for start in range(0, max(1, len(words) - size + 1)):
        candidate = " ".join(words[start:start + size])
        matcher.set_seq1(candidate)
        if matcher.real_quick_ratio() <= best_ratio or matcher.quick_ratio() <= best_ratio:
            continue
        ratio = matcher.ratio()
        if ratio > best_ratio:
            best, best_ratio = candidate, ratio
    return best


def check_quotes(ruleset: Ruleset, folder: Path) -> list[Problem]:
    """A problem for each quote not found verbatim in the source file its rule cites."""
    doc = ruleset.doc or Document(ruleset.path, {})
    texts: dict[str, str | None] = {}
    problems = []
    for rule in ruleset.rules:
        source = ruleset.source_of(rule)
        if not source:
            continue
        if source not in texts:
            texts[source] = None
            # Only a file inside the folder is read; of any other, not even its existence is told.
            file = confined(folder, source)
            if file is None:
                problems.append(doc.problem(("source", "file"), "FR008", f"source file {source!r} leads out of "
                                            f"the sources folder {folder}",
                                            "name a file inside the sources folder, e.g. my-article.txt"))
            elif not file.is_file():
                problems.append(doc.problem(("source", "file"), "FR035", f"source file {source!r} not found in {folder}"))
            else:
                try:
                    texts[source] = normalise(read_text(file, hint="a source article is a text file"))
                except UserError as exc:
                    problems += exc.problems
        text = texts[source]
        if text is None:
            continue
        for j, quote in enumerate(rule.quotes):
            if normalise(quote) in text:
                continue
            path = rule.path + ("quote",) + ((j,) if len(rule.quotes) > 1 else ())
            near = closest_passage(normalise(quote), text)
            problems.append(doc.problem(path, "FR031", f"quote of rule {rule.id!r} is not in {source}",
                                        f"closest passage: “{near}”"))
    return problems
