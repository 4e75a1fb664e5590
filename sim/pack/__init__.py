"""Region packs: a YAML manifest plus CSV tables describing one region (``docs/packs.md``).

``load_pack`` reads, validates and converts a pack to canonical units; every problem is an
:class:`sim.errors.InputError` naming the file, row and column.
"""

from sim.pack.loader import Pack, builtin_dir, builtin_packs, load_pack

__all__ = ["Pack", "builtin_dir", "builtin_packs", "load_pack"]
