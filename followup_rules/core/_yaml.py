"""Safe YAML/JSON loading that remembers where every value came from."""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Callable

from followup_rules.core._reading import MAX_BYTES, STDIN, STDIN_NAME, read_stdin, read_text
from followup_rules.core.problems import Problem, UserError

if TYPE_CHECKING:
    import yaml

#: Nodes visited while building one document, aliases expanded: stops alias bombs early.
MAX_NODES = 200_000
MAX_DEPTH = 64
#: Values (keys included) one document may hold as written: bounds the time reading takes.
MAX_VALUES = 100_000
#: Items of any one list, or keys of any one mapping.
MAX_ITEMS = 1_000

Path_ = tuple[Any, ...]


#: Control characters other than tab and line breaks (YAML lets them through as escapes).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@lru_cache(maxsize=None)
def _loader() -> Any:
    """SafeLoader (libyaml's when available) that keeps timestamps as strings: the case format parses them.

    Made on first use: a start that reads no YAML (a case the disk cache knows) never imports yaml.
    """
    import yaml

    class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
        pass

    _Loader.yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    return _Loader


@dataclass
class Document:
    """A loaded document and the 1-based line and column of each value, by path."""

    name: str
    data: Any
    marks: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    key_marks: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    #: For a document rebuilt from a cache without positions: reads the file again when a problem
    #: needs one, so a problem is reported at the same place whether the cache was cold or warm.
    reread: Callable[[], "Document"] | None = field(default=None, repr=False, compare=False)

    def _positions(self) -> None:
        if self.marks or self.reread is None:
            return
        reread, self.reread = self.reread, None
        try:
            fresh = reread()
        except UserError:
            return  # the file is gone or broken since: the problem keeps no position
        if fresh.data == self.data:
            self.marks, self.key_marks = fresh.marks, fresh.key_marks

    def where(self, path: Path_) -> tuple[int, int]:
        """Position of the value at `path`, or of its nearest ancestor that has one."""
        self._positions()
        path = tuple(path)
        while path:
            if path in self.marks:
                return self.marks[path]
            path = path[:-1]
        return self.marks.get((), (1, 1))

    def problem(self, path: Path_, code: str, message: str, hint: str = "",
                on_key: bool = False) -> Problem:
        """A Problem at the value of `path` (or at its key, with `on_key`)."""
        self._positions()
        line, column = self.key_marks.get(tuple(path)) or self.where(path) if on_key else self.where(path)
        return Problem(self.name, line, column, code, message, hint)


def load_file(path: str | os.PathLike[str]) -> Document:
    """Read and parse a YAML or JSON file (`-`: standard input), raising UserError with a position on any problem."""
    if str(path) == STDIN:
        return load_text(read_stdin(), STDIN_NAME)
    return load_text(read_text(path), str(path))


def load_text(text: str, name: str = "<input>") -> Document:
    """Parse YAML (or JSON) text into a Document."""
    if len(text) > MAX_BYTES:
        raise UserError([Problem(name, 1, 1, "FR002", "input is over the 5 MiB limit")])
    import yaml

    loader = _loader()(text)
    try:
        _check_shape(_loader()(text), name)
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        raise _marked(name, exc) from None
    except yaml.reader.ReaderError as exc:
        # The reader reports an offset (in bytes or characters, by implementation): find the character.
        line, column = _position(text, text.find(chr(exc.character)) if isinstance(exc.character, int) else -1)
        shown = f"character {exc.character:#06x}: " if isinstance(exc.character, int) else ""
        raise UserError([Problem(name, line, column, "FR003", f"invalid YAML: {shown}{exc.reason}",
                                 "remove it; tabs and line breaks are fine")]) from None
    except yaml.YAMLError as exc:
        raise UserError([Problem(name, 1, 1, "FR003", f"invalid YAML: {exc}")]) from None
    finally:
        loader.dispose()
    if node is None:
        raise UserError([Problem(name, 1, 1, "FR004", "the file is empty",
                                 "expected a mapping such as `candidate:` or `id:`")])
    too_big = _oversized(node)
    if too_big is not None:
        raise UserError([Problem(name, too_big.start_mark.line + 1, too_big.start_mark.column + 1, "FR005",
                                 f"document expands to more than {MAX_NODES:,} values",
                                 "YAML anchors and aliases may only be used sparingly")])
    doc = Document(name, None)
    builder = _Builder(doc, _loader()(""))
    doc.data = builder.build(node, (), 0)
    return doc


def _check_shape(loader: yaml.SafeLoader, name: str) -> None:
    """Refuse a document with too many values, too deep, or with a list or mapping too long.

    It reads the parser's events, which costs a fifth of building the document, and stops at the
    first value over a limit: a 15,000-item list is refused after reading 1,001 of its items.
    """
    import yaml

    open_items: list[list[int]] = []  # per open collection: [values in it, 2 for a mapping else 1]
    values = 0

    def refuse(event: Any, code: str, message: str, hint: str = "") -> UserError:
        mark = event.start_mark
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        return UserError([Problem(name, line, column, code, message, hint)])

    try:
        while loader.check_event():
            event = loader.get_event()  # type: ignore[no-untyped-call]
            if isinstance(event, yaml.CollectionEndEvent):
                open_items.pop()
                continue
            if not isinstance(event, (yaml.ScalarEvent, yaml.AliasEvent, yaml.CollectionStartEvent)):
                continue
            values += 1
            if values > MAX_VALUES:
                raise refuse(event, "FR005", f"the document holds more than {MAX_VALUES:,} values",
                             "cases and rulesets are small; split it into several files")
            if open_items:
                parent = open_items[-1]
                parent[0] += 1
                if parent[0] > MAX_ITEMS * parent[1]:
                    what = "keys in one mapping" if parent[1] == 2 else "items in one list"
                    raise refuse(event, "FR007", f"more than {MAX_ITEMS:,} {what}", "see the limits in docs/problems.md")
            if isinstance(event, yaml.CollectionStartEvent):
                if len(open_items) >= MAX_DEPTH:
                    raise refuse(event, "FR005", f"document nests deeper than {MAX_DEPTH} levels")
                open_items.append([0, 2 if isinstance(event, yaml.MappingStartEvent) else 1])
    finally:
        loader.dispose()


def _position(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset (1, 1 when unknown)."""
    if offset < 0:
        return 1, 1
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _marked(name: str, exc: yaml.MarkedYAMLError) -> UserError:
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    return UserError([Problem(name, line, col, "FR003", f"invalid YAML: {exc.problem or exc}")])


def _oversized(root: yaml.Node) -> yaml.Node | None:
    """The outermost node whose alias-expanded size passes MAX_NODES, without expanding anything."""
    import yaml

    sizes: dict[int, int] = {}

    def size(node: yaml.Node, depth: int) -> int:
        if id(node) in sizes:
            return sizes[id(node)]
        if depth > MAX_DEPTH:
            return MAX_NODES + 1  # the builder reports the depth with its own message
        sizes[id(node)] = MAX_NODES + 1  # a node inside itself (a recursive alias) never ends
        if isinstance(node, yaml.MappingNode):
            total = 1 + sum(size(k, depth + 1) + size(v, depth + 1) for k, v in node.value)
        elif isinstance(node, yaml.SequenceNode):
            total = 1 + sum(size(item, depth + 1) for item in node.value)
        else:
            total = 1
        sizes[id(node)] = min(total, MAX_NODES + 1)
        return sizes[id(node)]

    if size(root, 0) <= MAX_NODES:
        return None
    node, seen = root, set()
    while isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and id(node) not in seen:
        seen.add(id(node))
        children = [v for _, v in node.value] if isinstance(node, yaml.MappingNode) else node.value
        big = next((c for c in children if sizes.get(id(c), 0) > MAX_NODES), None)
        if big is None:
            return node
        node = big
    return node


class _Builder:
    def __init__(self, doc: Document, loader: yaml.SafeLoader) -> None:
        self.doc = doc
        self.loader = loader
        self.count = 0

    def _fail(self, node: yaml.Node, code: str, message: str) -> UserError:
        return UserError([Problem(self.doc.name, node.start_mark.line + 1,
                                  node.start_mark.column + 1, code, message,
                                  "YAML anchors and aliases may only be used sparingly")])

    def build(self, node: yaml.Node, path: Path_, depth: int) -> Any:
        import yaml

        self.count += 1
        if self.count > MAX_NODES:
            raise self._fail(node, "FR005", f"document expands to more than {MAX_NODES:,} values")
        if depth > MAX_DEPTH:
            raise self._fail(node, "FR005", f"document nests deeper than {MAX_DEPTH} levels")
        self.doc.marks.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
        if isinstance(node, yaml.MappingNode):
            try:
                self.loader.flatten_mapping(node)
            except yaml.MarkedYAMLError as exc:  # a merge key (`<<`) with something that is not a mapping
                raise _marked(self.doc.name, exc) from None
            result: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key = self._scalar(key_node) if isinstance(key_node, yaml.ScalarNode) else None
                if not isinstance(key, (str, int, float, bool)) or key is None:
                    raise UserError([Problem(self.doc.name, key_node.start_mark.line + 1,
                                             key_node.start_mark.column + 1, "FR003",
                                             "mapping keys must be plain scalars")])
                key = str(key) if not isinstance(key, str) else key
                if key in result:
                    raise UserError([Problem(self.doc.name, key_node.start_mark.line + 1,
                                             key_node.start_mark.column + 1, "FR003",
                                             f"duplicate key {key!r}")])
                self.doc.key_marks[path + (key,)] = (key_node.start_mark.line + 1,
                                                     key_node.start_mark.column + 1)
                self.doc.marks[path + (key,)] = (value_node.start_mark.line + 1,
                                                 value_node.start_mark.column + 1)
                result[key] = self.build(value_node, path + (key,), depth + 1)
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, path + (i,), depth + 1) for i, item in enumerate(node.value)]
        value = self._scalar(node)
        if isinstance(value, float) and not math.isfinite(value):
            raise UserError([Problem(self.doc.name, node.start_mark.line + 1, node.start_mark.column + 1,
                                     "FR011", f"{node.value} is not a valid number here")])
        return value

    def _scalar(self, node: yaml.Node) -> Any:
        """A scalar's value; an unsafe or malformed tag, or a control character, is a located FR003."""
        import yaml

        try:
            value = self.loader.construct_object(node)
        except yaml.constructor.ConstructorError as exc:
            raise self._located(node, f"invalid YAML: {exc.problem}") from None
        except Exception as exc:  # PyYAML's own constructors on a stranger's tag: `!!timestamp 2025-13-45`, ...
            raise self._located(node, f"invalid YAML: {node.tag} {str(node.value)[:40]!r}: {exc}") from None
        if isinstance(value, str) and (bad := _CONTROL.search(value)):
            # Written as an escape (such as \0 in double quotes) it passes the reader; no field of ours wants one.
            raise self._located(node, f"control character {ord(bad.group()):#06x} in text",
                                "remove it; tabs and line breaks are fine")
        return value

    def _located(self, node: yaml.Node, message: str, hint: str = "") -> UserError:
        return UserError([Problem(self.doc.name, node.start_mark.line + 1, node.start_mark.column + 1, "FR003",
                                  message, hint)])
