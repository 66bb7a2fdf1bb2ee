"""The one Jinja2 sandbox every message template renders in, shipped or from a stranger.

No attribute of Python internals, no file outside the shipped templates, no unbounded repetition:
a template is data, never code. Time, steps and size are bounded while the template runs, not
after: every text a template builds (repetition, joining, padding, formatting, `~`, `+`, a
captured block) is measured before it is made, the output is counted as it is written, and the
lines the template executes are counted and timed (a trace on the template's own code only).
"""

from __future__ import annotations

import re
import sys
import time
from functools import lru_cache
from importlib import resources
from types import FrameType
from typing import Any, Callable, Iterable, Mapping

from jinja2 import DictLoader, StrictUndefined, TemplateError, TemplateSyntaxError
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import SecurityError
from jinja2.nodes import Concat
from jinja2.sandbox import ImmutableSandboxedEnvironment

from followup_rules.core.problems import Problem, UserError

MAX_OUTPUT = 100_000
#: Lines of template code one rendering may execute, and the seconds it may take.
MAX_STEPS = 200_000
MAX_SECONDS = 2.0
_MAX_EXPONENT = 256
#: A number in a format (`%9999d`, `{:>9999}`) that would pad past the output limit.
_WIDE = re.compile(r"\d{6,}")
#: String methods whose result can be far longer than their string, by their arguments.
_GROWING = frozenset({"center", "ljust", "rjust", "zfill", "expandtabs", "replace", "join"})


def _text_size(value: Any) -> int:
    return len(value) if isinstance(value, str) else len(str(value)) if isinstance(value, (int, float)) else 0


def _bounded(size: int, what: str) -> None:
    if size > MAX_OUTPUT:
        raise SecurityError(f"{what} longer than {MAX_OUTPUT} characters")


def _joined(parts: Iterable[Any], separator: str = "") -> str:
    items = [str(part) for part in parts]
    _bounded(sum(map(len, items)) + len(separator) * max(0, len(items) - 1), "joined text")
    return separator.join(items)


class _Generator(CodeGenerator):
    """Template code whose `~` joins through the sandbox's measured join (autoescape is off here)."""

    def visit_Concat(self, node: Concat, frame: Frame) -> None:
        self.write("environment.joined((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


class _Sandbox(ImmutableSandboxedEnvironment):
    """The sandbox, with every way to grow a text or a number bounded before it grows."""

    intercepted_binops = frozenset({"*", "**", "+", "%"})
    code_generator_class = _Generator
    concat = staticmethod(_joined)  # captured blocks and macro output
    joined = staticmethod(_joined)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(right, (int, float)) and abs(right) > _MAX_EXPONENT:
            raise SecurityError(f"exponent {right} is larger than {_MAX_EXPONENT}")
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(times, int) and len(seq) * times > MAX_OUTPUT:
                    raise SecurityError(f"repetition longer than {MAX_OUTPUT} items")
        if operator == "+" and isinstance(left, (str, list, tuple)) and isinstance(right, (str, list, tuple)):
            _bounded(len(left) + len(right), "joined text")
        if operator == "%" and isinstance(left, str) and _WIDE.search(left):
            raise SecurityError("a format wider than the output limit")
        return super().call_binop(context, operator, left, right)

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        wrapped = super().wrap_str_format(value)
        if wrapped is None:
            return None
        text = str(value.__self__)

        def measured(*args: Any, **kwargs: Any) -> str:
            values = [*args, *kwargs.values(), *(v for a in args if isinstance(a, Mapping) for v in a.values())]
            if _WIDE.search(text) or any(isinstance(v, int) and abs(v) > MAX_OUTPUT for v in values):
                raise SecurityError("a format wider than the output limit")
            _bounded(len(text) + sum(_text_size(v) for v in values), "formatted text")
            return wrapped(*args, **kwargs)

        return measured

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        owner = getattr(__obj, "__self__", None)
        name = getattr(__obj, "__name__", "")
        if isinstance(owner, str) and name in _GROWING:
            _check_method(owner, name, args, kwargs)
        return super().call(__context, __obj, *args, **kwargs)


def _check_method(text: str, name: str, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> None:
    """Refuse a string method call whose result would pass the output limit, before it runs."""
    values = [*args, *kwargs.values()]
    if name == "join":
        items = list(values[0]) if values else []
        _bounded(sum(_text_size(i) for i in items) + len(text) * len(items), "joined text")
    elif name == "replace":
        old, new = (str(v) for v in values[:2]) if len(values) >= 2 else ("", "")
        _bounded(len(text) + (text.count(old) if old else len(text) + 1) * len(new), "replaced text")
    else:
        widths = [v for v in values if isinstance(v, int)]
        _bounded(max([len(text), *widths]) * (8 if name == "expandtabs" else 1), "padded text")


def _filters(env: _Sandbox) -> None:
    """The filters that could build a long text, measured first."""
    center, indent, replace, fmt, join = (env.filters[n] for n in ("center", "indent", "replace", "format", "join"))

    def bounded_center(value: Any, width: int = 80) -> str:
        _bounded(max(_text_size(value), width if isinstance(width, int) else 0), "padded text")
        return str(center(value, width))

    def bounded_indent(value: Any, width: int | str = 4, *args: Any, **kwargs: Any) -> str:
        step = width if isinstance(width, int) else len(str(width))
        _bounded(_text_size(value) + step * (str(value).count("\n") + 1), "indented text")
        return str(indent(value, width, *args, **kwargs))

    def bounded_replace(context: Any, value: Any, old: str, new: str, count: int | None = None) -> str:
        text = str(value)
        _bounded(len(text) + (text.count(old) if old else len(text) + 1) * len(str(new)), "replaced text")
        return str(replace(context, value, old, new, count))

    def bounded_format(value: str, *args: Any, **kwargs: Any) -> str:
        if _WIDE.search(str(value)):
            raise SecurityError("a format wider than the output limit")
        return str(fmt(value, *args, **kwargs))

    def bounded_join(context: Any, value: Iterable[Any], d: str = "", attribute: Any = None) -> str:
        items = list(value)
        _bounded(sum(_text_size(i) for i in items) + len(d) * len(items), "joined text")
        return str(join(context, items, d, attribute))

    bounded_replace.jinja_pass_arg = replace.jinja_pass_arg  # type: ignore[attr-defined]
    bounded_join.jinja_pass_arg = join.jinja_pass_arg  # type: ignore[attr-defined]
    env.filters.update(center=bounded_center, indent=bounded_indent, replace=bounded_replace, format=bounded_format,
                       join=bounded_join)


@lru_cache(maxsize=1)
def environment() -> ImmutableSandboxedEnvironment:
    """The one sandbox every template renders in; it can load only the shipped templates."""
    folder = resources.files("followup_rules.drafting").joinpath("templates")
    shipped = {entry.name: entry.read_text(encoding="utf-8") for entry in folder.iterdir()
               if entry.name.endswith(".txt.j2")}
    env = _Sandbox(loader=DictLoader(shipped), undefined=StrictUndefined, autoescape=False,
                   trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    # Only harmless helpers stay global: no lipsum, cycler or joiner.
    env.globals = {"range": env.globals["range"], "namespace": env.globals["namespace"]}
    _filters(env)
    return env


def _template_problem(name: str, exc: BaseException) -> UserError:
    line = exc.lineno if isinstance(exc, TemplateSyntaxError) and exc.lineno else 1
    kind = type(exc).__name__
    return UserError([Problem(name, line, 1, "FR070", f"template failed: {kind}: {exc}",
                              "templates may only use the case's data and say(), line(), covered(), rest()")])


class _Budget:
    """Counts the lines of template code run (and their time), through a trace of template frames only."""

    def __init__(self, env: ImmutableSandboxedEnvironment) -> None:
        self.env = env
        self.steps = 0
        self.deadline = time.monotonic() + MAX_SECONDS
        self.previous: Callable[..., Any] | None = sys.gettrace()

    def __call__(self, frame: FrameType, event: str, arg: Any) -> Any:
        if frame.f_globals.get("environment") is self.env:
            return self.line
        return self.previous(frame, event, arg) if self.previous is not None else None

    def line(self, frame: FrameType, event: str, arg: Any) -> Any:
        if event == "line":
            self.steps += 1
            if self.steps > MAX_STEPS:
                raise SecurityError(f"the template ran more than {MAX_STEPS:,} steps")
            if self.steps % 256 == 0 and time.monotonic() > self.deadline:
                raise SecurityError(f"the template ran longer than {MAX_SECONDS:g} s")
        return self.line


def render(source: str | None, name: str, context: Mapping[str, Any]) -> str:
    """Render a shipped template (by `name`) or a template string in the sandbox; failures are UserErrors."""
    env = environment()
    budget = _Budget(env)
    chunks: list[str] = []
    size = 0
    sys.settrace(budget)
    try:
        template = env.get_template(name) if source is None else env.from_string(source)
        for chunk in template.generate(context):
            size += len(chunk)
            if size > MAX_OUTPUT:
                raise SecurityError(f"output longer than {MAX_OUTPUT} characters")
            chunks.append(chunk)
    # The template may come from a stranger: any failure inside it is the template's, not ours.
    except (TemplateError, RecursionError, ArithmeticError, LookupError, TypeError, ValueError, MemoryError) as exc:
        raise _template_problem(name, exc) from None
    finally:
        sys.settrace(budget.previous)
    return "".join(chunks)


def render_string(source: str, context: Mapping[str, Any], name: str = "<template>") -> str:
    """Render a template string (from a ruleset or a plugin) in the sandbox."""
    return render(source, name, context)
