"""The one Jinja2 sandbox every message template renders in, shipped or from a stranger.

No attribute of Python internals, no file outside the shipped templates, no unbounded repetition:
a template is data, never code.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any, Mapping

from jinja2 import DictLoader, StrictUndefined, TemplateError, TemplateSyntaxError
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from followup_rules.core.problems import Problem, UserError

MAX_OUTPUT = 100_000
_MAX_EXPONENT = 256


class _Sandbox(ImmutableSandboxedEnvironment):
    """The sandbox, with repetition and powers bounded so a template cannot exhaust memory."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(right, (int, float)) and abs(right) > _MAX_EXPONENT:
            raise SecurityError(f"exponent {right} is larger than {_MAX_EXPONENT}")
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(times, int) and len(seq) * times > MAX_OUTPUT:
                    raise SecurityError(f"repetition longer than {MAX_OUTPUT} items")
        return super().call_binop(context, operator, left, right)


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
    return env


def _template_problem(name: str, exc: BaseException) -> UserError:
    line = exc.lineno if isinstance(exc, TemplateSyntaxError) and exc.lineno else 1
    kind = type(exc).__name__
    return UserError([Problem(name, line, 1, "FR070", f"template failed: {kind}: {exc}",
                              "templates may only use the case's data and say(), line(), covered(), rest()")])


def render(source: str | None, name: str, context: Mapping[str, Any]) -> str:
    """Render a shipped template (by `name`) or a template string in the sandbox; failures are UserErrors."""
    env = environment()
    try:
        template = env.get_template(name) if source is None else env.from_string(source)
        text = template.render(context)
    # The template may come from a stranger: any failure inside it is the template's, not ours.
    except (TemplateError, RecursionError, ArithmeticError, LookupError, TypeError, ValueError) as exc:
        raise _template_problem(name, exc) from None
    if len(text) > MAX_OUTPUT:
        raise _template_problem(name, SecurityError(f"output longer than {MAX_OUTPUT} characters"))
    return text


def render_string(source: str, context: Mapping[str, Any], name: str = "<template>") -> str:
    """Render a template string (from a ruleset or a plugin) in the sandbox."""
    return render(source, name, context)
