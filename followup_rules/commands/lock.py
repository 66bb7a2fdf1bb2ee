"""`followup rulesets lock`: pin the resolved rulesets."""

from __future__ import annotations

from typing import Sequence

import click


@click.command("lock")
@click.option("--ruleset", "rulesets", multiple=True, metavar="ID[@RANGE]", help="Rulesets to lock (default: the default profile).")
@click.option("--industry", default="other", show_default=True, help="Industry overlay of the default profile.")
@click.option("--rules-path", "rules_path", multiple=True, type=click.Path(), help="Extra folder or file of rulesets.")
@click.option("-o", "--output", default="followup.lock", show_default=True, type=click.Path(dir_okay=False))
def rulesets_command(rulesets: Sequence[str], industry: str, rules_path: Sequence[str], output: str) -> None:
    """Write the exact rulesets (id, version, digest) to a lock file that later runs use unchanged."""
    from ..api import default_library, library_with
    from ..lock import write_lock

    library = library_with(rules_path) if rules_path else default_library()
    chosen = [library.get(s) for s in rulesets] if rulesets else library.default_profile(industry)
    write_lock(chosen, output)
    for r in chosen:
        click.echo(f"locked {r.id}@{r.version} {r.digest[:19]}…")
    click.echo(f"wrote {output}")
