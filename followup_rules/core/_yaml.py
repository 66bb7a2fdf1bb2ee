"""Safe YAML/JSON loading that remembers where every value came from."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from followup_rules.core.problems import Problem, UserError

if TYPE_CHECKING:
    import yaml

MAX_BYTES = 5 * 1024 * 1024
#: Nodes visited while building one document, aliases expanded: stops alias bombs early.
MAX_NODES = 200_000
MAX_DEPTH = 64

Path_ = tuple[Any, ...]


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

    def where(self, path: Path_) -> tuple[int, int]:
        """Position of the value at `path`, or of its nearest ancestor that has one."""
        path = tuple(path)
        while path:
            if path in self.marks:
                return self.marks[path]
            path = path[:-1]
        return self.marks.get((), (1, 1))

    def problem(self, path: Path_, code: str, message: str, hint: str = "",
                on_key: bool = False) -> Problem:
        """A Problem at the value of `path` (or at its key, with `on_key`)."""
        line, column = self.key_marks.get(tuple(path)) or self.where(path) if on_key else self.where(path)
        return Problem(self.name, line, column, code, message, hint)


def load_file(path: str | os.PathLike[str]) -> Document:
    """Read and parse a YAML or JSON file, raising UserError with a position on any problem."""
    name = str(path)
    try:
        size = os.stat(path).st_size
    except OSError as exc:
        raise UserError([Problem(name, 1, 1, "FR001", f"cannot read file: {exc.strerror}")]) from None
    if size > MAX_BYTES:
        raise UserError([Problem(name, 1, 1, "FR002",
                                 f"file is {size / 1048576:.1f} MiB, over the {MAX_BYTES // 1048576} MiB limit",
                                 "cases and rulesets are small text files; is this the right file?")])
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise UserError([Problem(name, 1, 1, "FR001", f"not UTF-8 text: {exc.reason}")]) from None
    except OSError as exc:
        raise UserError([Problem(name, 1, 1, "FR001", f"cannot read file: {exc.strerror}")]) from None
    return load_text(text, name)


def load_text(text: str, name: str = "<input>") -> Document:
    """Parse YAML (or JSON) text into a Document."""
    if len(text) > MAX_BYTES:
        raise UserError([Problem(name, 1, 1, "FR002", "input is over the 5 MiB limit")])
    import yaml

    loader = _loader()(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise UserError([Problem(name, line, col, "FR003", f"invalid YAML: {exc.problem or exc}")]) from None
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
            self.loader.flatten_mapping(node)
            result: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key = self.loader.construct_object(key_node) if isinstance(key_node, yaml.ScalarNode) else None
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
        try:
            value = self.loader.construct_object(node)
        except yaml.constructor.ConstructorError as exc:
            raise UserError([Problem(self.doc.name, node.start_mark.line + 1, node.start_mark.column + 1,
                                     "FR003", f"invalid YAML: {exc.problem}")]) from None
        if isinstance(value, float) and not math.isfinite(value):
            raise UserError([Problem(self.doc.name, node.start_mark.line + 1, node.start_mark.column + 1,
                                     "FR011", f"{node.value} is not a valid number here")])
        return value
