"""Region packs: a YAML manifest plus CSV tables describing one region (``docs/packs.md``).

``load_pack`` reads, validates and converts a pack to canonical units; every problem is an
:class:`sim.errors.InputError` naming the file, row and column. The driver tables of the
demand models (``drivers.csv``, ``crops.csv``, climate rows; ``docs/demand.md``) become
``Pack.drivers``, one Dataset per model in use (:mod:`sim.pack.drivers`).
"""

from sim.pack.loader import Pack, builtin_dir, builtin_packs, load_pack, pack_folder

__all__ = ["Pack", "builtin_dir", "builtin_packs", "load_pack", "pack_folder"]
