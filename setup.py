"""Build hook: a regular (non-editable) install carries the Hydra configs as ``sim/conf``.

An editable install reads them from the source tree's top-level ``conf/`` instead
(see ``sim/__main__.py::_conf_dir``). All metadata lives in ``pyproject.toml``.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildPyWithConf(build_py):
    """Copy ``conf/`` into the built package as ``sim/conf``."""

    def run(self) -> None:
        """Build the package, then add the config tree."""
        super().run()
        if getattr(self, "editable_mode", False):
            return
        src = Path(__file__).parent / "conf"
        dst = Path(self.build_lib) / "sim" / "conf"
        if src.is_dir():
            shutil.copytree(src, dst, dirs_exist_ok=True)


setup(cmdclass={"build_py": BuildPyWithConf})
