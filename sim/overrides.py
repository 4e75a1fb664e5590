"""Check command-line overrides that Hydra would reject with a long, unclear message.

``water-sim -m 'measures=[],[sponge_city]' measures.sponge_city.coverage=0.3,0.6`` cannot run:
in the job with ``measures=[]`` there is no ``sponge_city`` whose coverage could be set, and
Hydra stops the whole multirun with a multi-line error. This check says so in one line, before
Hydra starts, and gives the command that does what was meant: keep the measure in every job
and sweep its coverage from 0 (a coverage of 0 leaves every input as in the baseline, bit for
bit; ``docs/measures.md``).
"""

from __future__ import annotations

from collections.abc import Sequence

from sim.errors import InputError


def check_measure_overrides(args: Sequence[str]) -> None:
    """Raise if an override sets an option of a measure that some ``measures=`` choice leaves out.

    Parameters
    ----------
    args : sequence of str
        The command-line arguments (flags such as ``-m`` are ignored).

    Raises
    ------
    InputError
        One line naming the override and the ``measures`` choice without the measure.
    """
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.core.override_parser.types import OverrideType
    from hydra.errors import HydraException

    candidates = [a for a in args if "=" in a and not a.startswith("-")]
    try:
        overrides = OverridesParser.create().parse_overrides(candidates)
    except HydraException:
        return  # Hydra reports its own syntax errors
    choices = None
    for o in overrides:
        if o.key_or_group == "measures" and o.type == OverrideType.CHANGE:
            values = list(o.sweep_iterator()) if o.is_sweep_override() else [o.value()]
            choices = [v if isinstance(v, list) else [v] for v in values]
    if choices is None:
        return
    for o in overrides:
        parts = o.key_or_group.split(".")
        if o.type != OverrideType.CHANGE or len(parts) < 3 or parts[0] != "measures":
            continue
        name = parts[1]
        for choice in choices:
            if name not in [str(c) for c in choice]:
                shown = "[" + ",".join(str(c) for c in choice) + "]"
                raise InputError(
                    f"config key '{o.key_or_group}': the run with measures={shown} has no {name} to set; keep "
                    f"{name} in every choice and sweep from 0 instead (a coverage of 0 is the baseline), e.g. "
                    f"'measures=[{name}]' measures.{name}.coverage=0,0.3,0.6"
                )
