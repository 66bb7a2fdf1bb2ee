"""`followup rulesets lock`: pin the resolved rulesets."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import click

from followup_rules.cli.options import FORCE, PROFILE


@click.command("lock")
@click.option("--ruleset", "rulesets", multiple=True, metavar="ID[@RANGE]",
              help="Rulesets to lock (default: the profile's, else the default profile).")
@click.option("--industry", default=None, help="Industry overlay of the default profile (default: the profile's, else none).")
@click.option("--rules-path", "rules_path", multiple=True, type=click.Path(), help="Extra folder or file of rulesets.")
@PROFILE
@click.option("-o", "--output", default=None, type=click.Path(dir_okay=False),
              help="Where to write it (default: followup.lock beside the profile, else here); an earlier lock "
                   "file is replaced, any other file only with --force.")
@FORCE
def command(rulesets: Sequence[str], industry: str | None, rules_path: Sequence[str],
            profile_file: str | None, output: str | None, force: bool) -> None:
    """Write the exact rulesets (id, version, digest) to a lock file that later runs use unchanged."""
    from followup_rules.core.files import refuse_existing
    from followup_rules.pipeline import select
    from followup_rules.rules.lock import LOCK_NAME, is_lock, write_lock

    chosen = select(None, rulesets=tuple(rulesets), industry=industry, rules_path=tuple(rules_path),
                    profile=profile_file, search_from=Path.cwd(), locked=False)
    beside = Path(chosen.profile.path).parent if chosen.profile.path else Path(".")
    target = Path(output) if output else beside / LOCK_NAME
    read = [p for p in (chosen.profile.path, *rules_path) if p]
    refuse_existing(target, "--output" if output else "lock file", force, ours=is_lock, inputs=read)
    write_lock(chosen.rulesets, target)
    for r in chosen.rulesets:
        click.echo(f"locked {r.id}@{r.version} {r.digest[:19]}…")
    click.echo(f"wrote {target}")
