"""Change a pack's demand-model drivers from the config: ``drivers.scale`` and ``drivers.set``.

Drivers (growth rates, efficiencies, areas, populations …) are data of the region pack
(``docs/demand.md``). To study them without editing the pack — and to sweep them — the
config may change them for a run:

* ``drivers.scale.<model>.<driver>: f`` multiplies the driver of every unit (and crop) by
  ``f`` [1], keeping the pack's differences between units;
* ``drivers.set.<model>.<driver>: v`` sets it to ``v`` everywhere, in the driver's canonical
  unit (``docs/demand.md``; e.g. a growth rate in 1/a, an efficiency as a share).

``set`` applies before ``scale``. The changed drivers are the run's baseline too: measures
act on them as on the pack's own.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from omegaconf import DictConfig, OmegaConf

from sim.errors import InputError
from sim.pack.loader import Pack

KINDS = ("set", "scale")


def adjust_drivers(pack: Pack, node: Mapping[str, Any] | DictConfig | None) -> Pack:
    """Return ``pack`` with its drivers changed by the ``drivers`` config node.

    Parameters
    ----------
    pack : sim.pack.Pack
        The loaded pack.
    node : mapping or None
        ``{"set": {model: {driver: value}}, "scale": {model: {driver: factor}}}``.

    Returns
    -------
    sim.pack.Pack
        A new pack (the given one is not changed); the same pack when there is nothing to do.

    Raises
    ------
    InputError
        An unknown kind, model or driver (the closest named), or a value that is not a
        finite number (a negative factor included), naming the config key.
    """
    if not node:
        return pack
    if isinstance(node, DictConfig):
        node = OmegaConf.to_container(node, resolve=True)  # type: ignore[assignment]
    assert isinstance(node, Mapping)
    drivers = dict(pack.drivers)
    for kind in node:
        if kind not in KINDS:
            raise InputError(f"config key 'drivers.{kind}': expected 'set' or 'scale'")
    for kind in KINDS:
        for model, changes in (node.get(kind) or {}).items():
            if model not in drivers:
                have = ", ".join(sorted(drivers)) or "none"
                raise InputError(
                    f"config key 'drivers.{kind}.{model}': no sector uses this model; models: {have}"
                )
            ds = drivers[model]
            for name, value in (changes or {}).items():
                key = f"drivers.{kind}.{model}.{name}"
                if name not in ds:
                    close = difflib.get_close_matches(str(name), [str(v) for v in ds.data_vars], n=1)
                    hint = f"; did you mean '{close[0]}'?" if close else ""
                    raise InputError(
                        f"config key '{key}': the pack has no driver '{name}' for '{model}'{hint}"
                    )
                try:
                    x = float(value)
                except (TypeError, ValueError):
                    raise InputError(f"config key '{key}': expected a number, got {value!r}") from None
                if not math.isfinite(x) or (kind == "scale" and x < 0):
                    what = "a factor >= 0" if kind == "scale" else "a finite number"
                    raise InputError(f"config key '{key}': expected {what}, got {value!r}")
                old = ds[name].astype(float)
                new = old * x if kind == "scale" else old * 0.0 + x
                ds = ds.assign({name: new.assign_attrs(old.attrs)})
            drivers[model] = ds
    return replace(pack, drivers=drivers)
