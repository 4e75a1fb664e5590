"""The report: sections for the run, self-contained HTML, figure files, numbers in the text."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
import xarray as xr
from conftest import DATA, run_cli

from sim.core import simulate
from sim.errors import InputError
from sim.report.build import SECTIONS, build_report, expected_sections

PACK = str(DATA / "measures_pack")
TIME = {"start": "2020-01", "end": "2021-12"}
MEASURE = {"household_saving": {"coverage": 0.5, "path": None, "area": None, "ramp": "linear",
                                "start_year": 2020, "target_year": 2021}}  # fmt: skip


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.sections: list[str] = []
        self.urls: list[str] = []
        self.images = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "section":
            self.sections.append(a.get("id", ""))
        if tag == "img":
            self.images += 1
        for key in ("src", "href"):
            if key in a:
                self.urls.append(a[key])


@pytest.fixture(scope="module")
def measure_run():
    return simulate({"region": PACK, "time": TIME, "measures": MEASURE})


@pytest.fixture(scope="module")
def ensemble_sweep_run():
    ds = simulate({"region": PACK, "time": TIME, "measures": MEASURE,
                   "hydrology": {"name": "stochastic", "n_samples": 6, "seed": 1},
                   "comparison": {"attribution": "one_at_a_time"}})  # fmt: skip
    # a sweep dimension as issue 6's sweeps will add it: three coverages' worth of results
    scale = xr.DataArray([0.5, 1.0, 1.5], dims="sweep", coords={"sweep": [0.25, 0.5, 0.75]})
    swept = ds.expand_dims(sweep=scale.sweep.values)
    for name in ("withdrawal_saving", "consumption_saving"):
        swept[name] = ds[name] * scale
    return swept


def _check(report, ds) -> str:
    text = report.html.read_text(encoding="utf-8")
    parser = _Parser()
    parser.feed(text)
    names = [p.stem for p in report.figures]
    assert parser.sections == expected_sections(ds, names)
    assert parser.images == len(names) // 2  # png + svg per figure, png embedded
    assert all(u.startswith("data:image/png;base64,") for u in parser.urls), parser.urls[:3]
    assert not re.search(r"https?://", text)  # nothing external, not even as a link
    for path in report.figures:
        assert path.is_file() and path.stat().st_size > 500, path
    assert report.markdown.is_file()
    return text


def test_report_of_a_run_with_a_measure(tmp_path, measure_run):
    report = build_report(measure_run, tmp_path)
    text = _check(report, measure_run)
    for key in ("summary", "savings_by_measure", "provenance", "configuration"):
        assert f'id="{key}"' in text
    assert 'id="uncertainty"' not in text and 'id="sweeps"' not in text
    # the headline saving in the summary is the run's, in 10^8 m3/a with 2 decimals
    w = float(measure_run["withdrawal_saving"].sel(scenario="scenario", year=2021).sum()) / 100
    assert f"Savings in 2021: {w:,.2f}" in text
    md = report.markdown.read_text(encoding="utf-8")
    assert "(figures/waterfall.png)" in md and "Sources:" in md


def test_report_with_samples_and_a_sweep(tmp_path, ensemble_sweep_run):
    report = build_report(ensemble_sweep_run, tmp_path)
    text = _check(report, ensemble_sweep_run)
    assert 'id="uncertainty"' in text and 'id="sweeps"' in text
    assert len(SECTIONS) == 12


def test_a_report_is_never_overwritten(tmp_path, measure_run):
    build_report(measure_run, tmp_path)
    before = (tmp_path / "report.html").read_bytes()
    with pytest.raises(InputError, match="already exists"):
        build_report(measure_run, tmp_path)
    assert (tmp_path / "report.html").read_bytes() == before
    with pytest.raises(InputError, match="report.lang"):
        build_report(measure_run, tmp_path / "other", lang="fr")


def test_cli_report_command(tmp_path):
    run_dir = tmp_path / "run"
    r = run_cli(f"region={PACK}", "time.start=2020-01", "time.end=2020-12", "report=none",
                f"hydra.run.dir={run_dir}", cwd=tmp_path)  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert not (run_dir / "report.html").exists()
    r = run_cli("report", str(run_dir), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert (run_dir / "report.html").stat().st_size > 1000
    again = run_cli("report", str(run_dir), cwd=tmp_path)
    assert again.returncode == 2 and "already exists" in again.stderr and "Traceback" not in again.stderr
    missing = run_cli("report", str(tmp_path / "nope"), cwd=tmp_path)
    assert missing.returncode == 2 and "results.nc: no such file" in missing.stderr
