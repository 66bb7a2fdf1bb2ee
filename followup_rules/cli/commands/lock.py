"""`followup rulesets lock`: pin the resolved rulesets."""

from __future__ import annotations

from typing import Sequence

import click

from followup_rules.cli.options import PROFILE


@click.command("lock")
@click.option("--ruleset", "rulesets", multiple=True, metavar="ID[@RANGE]",
              help="Rulesets to lock (default: the profile's, else the default profile).")
@click.option("--industry", default=None, help="Industry overlay of the default profile (default: the profile's, else none).")
@click.option("--rules-path", "rules_path", multiple=True, type=click.Path(), help="Extra folder or file of rulesets.")
@PROFILE
@click.option("-o", "--output", default="followup.lock", show_default=True, type=click.Path(dir_okay=False))
def rulesets_command(rulesets: Sequence[str], industry: str | None, rules_path: Sequence[str],
                     profile_file: str | None, output: str) -> None:
    """Write the exact rulesets (id, version, digest) to a lock file that later runs use unchanged."""
    from followup_rules.api import default_library, library_with
    from followup_rules.rules.lock import write_lock
    from followup_rules.rules.profile import find_profile

    profile = find_profile(profile_file)
    library = library_with(rules_path) if rules_path else default_library()
    wanted = list(rulesets) or list(profile.rulesets)
    chosen = ([library.get(s) for s in wanted] if wanted
              else library.default_profile(industry or profile.industry or "other"))
    write_lock(chosen, output)
    for r in chosen:
        click.echo(f"locked {r.id}@{r.version} {r.digest[:19]}…")
    click.echo(f"wrote {output}")
