"""Semantic checks of a ruleset document, after its schema check: names, types, windows."""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from followup_rules.core._yaml import Document
from followup_rules.core.limits import MAX_NUMBER, WINDOW_SPAN, window_order
from followup_rules.core.patterns import pattern_problem
from followup_rules.core.problems import Problem, UserError, did_you_mean
from followup_rules.core.vocabulary import (
    ACTIONS,
    ALWAYS_KNOWN,
    ANCHORS,
    CHANNELS,
    EXPECTATION_CODES,
    FACTS,
    INCLUDE_CODES,
    OPS,
    RECIPIENTS,
    STYLE_CODES,
    UNITS,
    WARNINGS,
    value_fits,
)

#: Leaf tests one rule may hold once `in` lists are expanded, its ruleset's `applies_when` and the
#: test that its window's anchor is known included: keeps every durable node small.
MAX_TESTS_PER_RULE = 24
_PARAM_TYPES = {"bool": (bool,), "int": (int,), "number": (int, float), "string": (str,)}
_EXTENSION_KEYS = {"actions": ACTIONS, "warnings": WARNINGS, "include": INCLUDE_CODES,
                   "style": STYLE_CODES, "expectations": EXPECTATION_CODES}


def count_tests(raw: Mapping[str, Any]) -> int:
    """Leaf tests of a condition as written, each `in` list counting one per value."""
    if "all" in raw or "any" in raw:
        children = raw.get("all", raw.get("any"))
        return sum(count_tests(c) for c in children if isinstance(c, dict)) if isinstance(children, list) else 1
    if "not" in raw:
        return count_tests(raw["not"]) if isinstance(raw["not"], dict) else 1
    value = raw.get("value")
    return max(1, len(value)) if isinstance(value, list) else 1


def check_ruleset(doc: Document) -> list[Problem]:
    """Every semantic problem of a schema-valid ruleset document."""
    return _Checker(doc).run()


class _Checker:
    def __init__(self, doc: Document) -> None:
        self.doc = doc
        data = doc.data
        self.problems: list[Problem] = []
        self.params: Mapping[str, Any] = data.get("parameters") or {}
        ext = data.get("vocabulary") or {}
        self.known = {key: tuple(base) + tuple(ext.get(key) or ()) for key, base in _EXTENSION_KEYS.items()}

    def add(self, path: tuple[Any, ...], code: str, message: str, hint: str = "", on_key: bool = False) -> None:
        self.problems.append(self.doc.problem(path, code, message, hint, on_key))

    def unknown(self, path: tuple[Any, ...], code: str, what: str, name: Any, known: Iterable[str]) -> None:
        self.add(path, code, f"unknown {what} {name!r}", did_you_mean(str(name), known))

    def run(self) -> list[Problem]:
        data = self.doc.data
        for name, spec in self.params.items():
            if not isinstance(spec.get("default"), _PARAM_TYPES[spec["type"]]) or (
                    spec["type"] != "bool" and isinstance(spec.get("default"), bool)):
                self.add(("parameters", name, "default"), "FR022",
                         f"default of parameter {name!r} is not a {spec['type']}")
            else:
                self.number(spec["default"], ("parameters", name, "default"))
        self.references(data)
        applies = 0
        if data.get("applies_when"):
            self.condition(data["applies_when"], ("applies_when",))
            applies = count_tests(data["applies_when"])
            if applies > MAX_TESTS_PER_RULE:
                self.add(("applies_when",), "FR033", f"`applies_when` has {applies} tests once lists are expanded, "
                         f"over the {MAX_TESTS_PER_RULE} a rule may hold with it", "use fewer or shorter `in` lists")
                applies = 0  # said once, here, rather than again at every rule
        seen: dict[str, int] = {}
        for i, rule in enumerate(data.get("rules") or []):
            path = ("rules", i)
            if rule["id"] in seen:
                self.add(path + ("id",), "FR028", f"duplicate rule id {rule['id']!r}",
                         f"rule {seen[rule['id']] + 1} already uses it")
            seen.setdefault(rule["id"], i)
            if rule.get("when"):
                self.condition(rule["when"], path + ("when",))
            self.size(rule, path, applies)
            self.then(rule["then"], path + ("then",), rule["kind"])
        for rid, override in (data.get("overrides") or {}).items():
            replacement = override.get("rule")
            if replacement is None:
                continue
            where: tuple[Any, ...] = ("overrides", rid, "rule")
            if replacement["id"] != rid:
                self.add(where + ("id",), "FR036",
                         f"override for {rid!r} holds a rule with id {replacement['id']!r}",
                         "an override keeps the id of the rule it replaces")
            if replacement.get("when"):
                self.condition(replacement["when"], where + ("when",))
            self.size(replacement, where, applies)
            self.then(replacement["then"], where + ("then",), replacement["kind"])
        if data.get("overrides") and not data.get("extends"):
            self.add(("overrides",), "FR036", "`overrides` needs `extends`: there is no inherited rule to replace")
        return sorted(self.problems)

    def references(self, data: Mapping[str, Any]) -> None:
        """The version, the `extends` range and the source file name: well formed, and the file in its folder."""
        from followup_rules.core._reading import path_problem
        from followup_rules.rules._semver import key, parse_spec, range_problem

        try:
            key(str(data["version"]))
        except UserError:
            self.add(("version",), "FR011", f"version {data['version']!r} has a part too long to compare")
        if data.get("extends"):
            problem = range_problem(parse_spec(data["extends"])[1])
            if problem:
                self.add(("extends",), "FR037", problem)
        name = (data.get("source") or {}).get("file")
        if isinstance(name, str) and (problem := path_problem(name)):
            self.add(("source", "file"), "FR008", f"source file {name!r}: {problem}",
                     "name a file inside the sources folder, e.g. my-article.txt")

    def number(self, value: Any, path: tuple[Any, ...]) -> None:
        if isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) > MAX_NUMBER:
            self.add(path, "FR022", f"{value!r} is larger than {MAX_NUMBER:,}, the largest number a rule may use")

    def size(self, rule: Mapping[str, Any], path: tuple[Any, ...], applies: int) -> None:
        """FR033 when the rule's tests (with `applies_when` and its window's anchor) are too many."""
        window = (rule.get("then") or {}).get("window") or {}
        total = applies + (count_tests(rule["when"]) if rule.get("when") else 0) + (
            1 if window and window.get("anchor") not in ALWAYS_KNOWN else 0)
        if total > MAX_TESTS_PER_RULE:
            self.add(path + (("when",) if rule.get("when") else ("id",)), "FR033",
                     f"rule {rule.get('id')!r} has {total} tests once `in` lists are expanded"
                     + (f" ({applies} from `applies_when`)" if applies else "")
                     + f", over the limit of {MAX_TESTS_PER_RULE}", "split it into several rules")

    def condition(self, raw: Mapping[str, Any], path: tuple[Any, ...]) -> None:
        forms = [k for k in ("all", "any", "not", "fact", "param") if k in raw]
        if len(forms) != 1:
            self.add(path, "FR032", "a condition needs exactly one of all, any, not, fact or param"
                     + (f"; found {', '.join(forms)}" if forms else ""))
            return
        form = forms[0]
        if form in ("all", "any"):
            if not raw[form]:
                self.add(path + (form,), "FR032", f"`{form}` needs at least one condition")
            for i, child in enumerate(raw[form]):
                self.condition(child, path + (form, i))
            return
        if form == "not":
            self.condition(raw["not"], path + ("not",))
            return
        extra = [k for k in raw if k not in ("fact", "param", "op", "value")]
        if extra:
            self.add(path + (extra[0],), "FR032", f"a test takes fact/param, op and value, not {extra[0]!r}",
                     on_key=True)
        op = raw.get("op")
        if op not in OPS:
            self.unknown(path + ("op",), "FR021", "operator", op, OPS)
            return
        if form == "param":
            self.param_test(raw, path, op)
        else:
            self.fact_test(raw, path, op)

    def param_test(self, raw: Mapping[str, Any], path: tuple[Any, ...], op: str) -> None:
        name = raw["param"]
        if name not in self.params:
            self.unknown(path + ("param",), "FR027", "parameter", name, self.params)
        elif op not in ("eq", "ne", "lt", "le", "gt", "ge", "in", "not_in"):
            self.add(path + ("op",), "FR021", f"operator {op!r} cannot test a parameter")

    def fact_test(self, raw: Mapping[str, Any], path: tuple[Any, ...], op: str) -> None:
        name = raw["fact"]
        fact = FACTS.get(name)
        if fact is None:
            self.unknown(path + ("fact",), "FR020", "fact", name, FACTS)
            return
        value = raw.get("value", True if op == "exists" else None)
        vpath = path + ("value",)
        if isinstance(value, dict) and set(value) == {"param"}:
            pname = value["param"]
            if pname not in self.params:
                self.unknown(vpath, "FR027", "parameter", pname, self.params)
            return
        if op == "exists":
            if not isinstance(value, bool):
                self.add(vpath, "FR022", "`exists` takes value true or false")
            elif not fact.nullable:
                self.add(path + ("op",), "FR022", f"fact {name!r} always has a value; `exists` is always true",
                         "compare its value instead")
        elif op == "matches":
            if fact.type != "string":
                self.add(path + ("op",), "FR022", f"`matches` needs a text fact; {name!r} is {fact.type}")
            elif not isinstance(value, str):
                self.add(vpath, "FR022", "`matches` takes a regular expression string")
            else:
                problem = pattern_problem(value)
                if problem:
                    self.add(vpath, "FR030", problem, "patterns are RE2 regular expressions: see docs/rule-language.md")
        elif op in ("in", "not_in"):
            if not isinstance(value, list) or not value:
                self.add(vpath, "FR022", f"`{op}` takes a non-empty list of values")
            else:
                for i, item in enumerate(value):
                    self.check_value(fact, item, vpath + (i,))
        else:
            if op in ("lt", "le", "gt", "ge") and fact.type not in ("int", "number"):
                self.add(path + ("op",), "FR022", f"`{op}` compares numbers; {name!r} is {fact.type}",
                         "use eq, ne, in or not_in")
                return
            self.check_value(fact, value, vpath)

    def check_value(self, fact: Any, value: Any, path: tuple[Any, ...]) -> None:
        from followup_rules.core.vocabulary import FactDef

        assert isinstance(fact, FactDef)
        if value_fits(fact.type, fact.values, value):
            self.number(value, path)
            return
        if fact.type == "enum" and isinstance(value, str):
            self.add(path, "FR022", f"{value!r} is not a value of {fact.name!r}",
                     did_you_mean(value, fact.values) or "allowed: " + ", ".join(fact.values))
        else:
            self.add(path, "FR022", f"{fact.name!r} is {fact.type}; {value!r} is not",
                     "allowed: " + ", ".join(fact.values) if fact.values else "")

    def then(self, raw: Mapping[str, Any], path: tuple[Any, ...], kind: str) -> None:
        has_action, has_warning = "action" in raw, "warning" in raw
        if has_action == has_warning:
            self.add(path, "FR032", "`then` needs exactly one of action or warning")
        if has_action and raw["action"] not in self.known["actions"]:
            self.unknown(path + ("action",), "FR023", "action", raw["action"], self.known["actions"])
        if has_warning and raw["warning"] not in self.known["warnings"]:
            self.unknown(path + ("warning",), "FR024", "warning", raw["warning"], self.known["warnings"])
        if raw.get("about") and raw["about"] not in ANCHORS:
            self.unknown(path + ("about",), "FR026", "anchor", raw["about"], ANCHORS)
        if raw.get("action") == "set_reminder" and not raw.get("about"):
            self.add(path, "FR032", "a set_reminder action needs `about:`, the anchor of the date to note",
                     "e.g. about: decision_date")
        if raw.get("late_warning") and raw["late_warning"] not in self.known["warnings"]:
            self.unknown(path + ("late_warning",), "FR024", "warning", raw["late_warning"], self.known["warnings"])
        if raw.get("to") and raw["to"] not in RECIPIENTS:
            self.unknown(path + ("to",), "FR034", "recipient", raw["to"], RECIPIENTS)
        if raw.get("channel") and raw["channel"] not in CHANNELS:
            self.unknown(path + ("channel",), "FR034", "channel", raw["channel"], CHANNELS)
        for i, code in enumerate(raw.get("include") or ()):
            if code not in self.known["include"]:
                self.unknown(path + ("include", i), "FR025", "content code", code, self.known["include"])
        for i, style in enumerate(raw.get("style") or ()):
            code = style if isinstance(style, str) else style.get("code")
            if code not in self.known["style"]:
                self.unknown(path + ("style", i), "FR025", "style code", code, self.known["style"])
        if raw.get("action") == "set_expectation" and raw.get("code") not in self.known["expectations"]:
            self.unknown(path + ("code",), "FR025", "expectation code", raw.get("code"), self.known["expectations"])
        for i, name in enumerate(raw.get("evidence") or ()):
            if name not in FACTS:
                self.unknown(path + ("evidence", i), "FR020", "fact", name, FACTS)
        if raw.get("window"):
            self.window(raw["window"], path + ("window",))

    def window(self, raw: Mapping[str, Any], path: tuple[Any, ...]) -> None:
        if raw["anchor"] not in ANCHORS:
            self.unknown(path + ("anchor",), "FR026", "anchor", raw["anchor"], ANCHORS)
        if raw["unit"] not in UNITS:
            self.unknown(path + ("unit",), "FR026", "unit", raw["unit"], UNITS)
        numbers: dict[str, float | None] = {}
        for key in ("opens", "target", "closes"):
            value = raw.get(key, 0 if key == "opens" else None)
            if isinstance(value, dict):
                pname = str(value.get("param"))
                spec = self.params.get(pname)
                if spec is None:
                    self.unknown(path + (key,), "FR027", "parameter", pname, self.params)
                    value = None
                else:
                    value = spec.get("default")
            numbers[key] = value if isinstance(value, (int, float)) and not isinstance(value, bool) else None
            span = WINDOW_SPAN.get(raw["unit"])
            offset = numbers[key]
            if span is not None and offset is not None and abs(offset) > span:
                numbers[key] = None
                self.add(path + (key,), "FR029", f"window {key} {offset:g} {raw['unit'].replace('_', ' ')} from "
                         f"its anchor, beyond the {span:,} a window may reach", "windows stay within about ten years")
        for key, message in window_order(raw["unit"], numbers["opens"], numbers["target"], numbers["closes"]):
            self.add(path + (key,), "FR029", message)
