"""How much memory a block of a sweep needs, and how many points fit in a block.

The engine and the accounting keep every flow of every member (scenario × sample × design
year) at full resolution while a block runs: delivery by (step, unit, sector, source), the
per-sector accounting, return flows, storages. Measured on the Inner Mongolia pack
(``benchmarks/ensemble.py``: 7 sectors, 8 sources; 600 members × 168 months used 2.3 GB, 2000
members 7.0 GB), the peak is about

    bytes ≈ 8 × members × steps × units × (1.5 × sectors × sources + 4 × sectors + 20)

plus about 0.3 GB for the interpreter and the libraries, and nearly twice as much with the
shortage-type diagnosis (``risk.diagnose``: two more engine runs of every member).
"""

from __future__ import annotations

from omegaconf import DictConfig

from sim.config import diagnosis_on
from sim.errors import InputError

BASE_BYTES = 0.3e9
MAX_CHUNK = 256  # bigger blocks outgrow the caches and run no faster (docs/performance.md)


def member_bytes(steps: int, units: int, sectors: int, sources: int, diagnose: bool) -> float:
    """Peak memory one member (scenario × sample × design year) of a block needs [bytes]."""
    per = 8.0 * steps * units * (1.5 * sectors * sources + 4.0 * sectors + 20.0)
    return per * (1.9 if diagnose else 1.0)


def members_per_point(cfg: DictConfig) -> int:
    """Return the number of members (samples × design years) of one point of the sweep."""
    hyd = cfg.hydrology
    if hyd.name == "stochastic":
        return max(1, int(hyd.n_samples))
    if hyd.name == "design":
        return max(1, len(hyd.frequencies))
    return 1


def choose_chunk(
    cfg: DictConfig,
    steps: int,
    units: int,
    sectors: int,
    sources: int,
    limit_gb: float,
    chunk: int = 0,
) -> int:
    """Return the number of points per block: ``chunk`` if given, else as many as fit in the limit.

    A block holds the baseline and its points (``1 + chunk`` scenarios).

    Raises
    ------
    InputError
        If the given ``chunk`` (or even one point) needs more than ``limit_gb``; the message
        says which chunk fits.
    """
    if limit_gb <= 0:
        raise InputError(f"config key 'sweep.max_memory_gb': expected a number > 0, got {limit_gb}")
    one = member_bytes(steps, units, sectors, sources, diagnosis_on(cfg)) * members_per_point(cfg)
    room = limit_gb * 1e9 - BASE_BYTES
    fits = int(room // one) - 1  # the baseline takes one scenario of every block
    if fits < 1:
        need = (2 * one + BASE_BYTES) / 1e9
        raise InputError(
            f"config key 'sweep.max_memory_gb': one point needs about {need:.1f} GB "
            f"({members_per_point(cfg)} samples/design years × {steps} steps × {units} units), over the limit "
            f"{limit_gb:g} GB; raise the limit, set risk.diagnose=false or use fewer samples"
        )
    if chunk < 0:
        raise InputError(
            f"config key 'sweep.chunk': expected 0 (automatic) or a number of points > 0, got {chunk}"
        )
    if chunk == 0:
        return max(1, min(MAX_CHUNK, fits))
    if chunk > fits:
        need = ((chunk + 1) * one + BASE_BYTES) / 1e9
        raise InputError(
            f"config key 'sweep.chunk': {chunk} points per block need about {need:.1f} GB, over "
            f"sweep.max_memory_gb={limit_gb:g}; set sweep.chunk={fits} or less (or 0 to choose it)"
        )
    return chunk


def check_results(per_point_bytes: float, n_points: int, limit_gb: float) -> None:
    """Raise if the results of the sweep would not fit in ``limit_gb``.

    The blocks' results are held, then joined into one Dataset: about twice their size.

    Raises
    ------
    InputError
        Naming ``sweep.max_memory_gb``, the size, and how to make it smaller.
    """
    need = per_point_bytes * n_points * 2 / 1e9
    if need > limit_gb:
        raise InputError(
            f"config key 'sweep.max_memory_gb': the results of {n_points} points need about {need:.1f} GB "
            f"({per_point_bytes / 1e6:.2f} MB per point, twice while they are joined), over {limit_gb:g} GB; "
            "keep fewer variables (sweep.variables=[...]), use sweep.resolution=year, or split the points "
            "over several runs (sweep.method=csv)"
        )
