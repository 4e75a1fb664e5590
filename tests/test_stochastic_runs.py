"""hydrology=stochastic and climate deltas through the whole model (on the measures pack)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.core import _as_config, build_inputs, simulate
from sim.errors import InputError
from sim.hydrology.statistics import load_statistics
from sim.hydrology.stochastic import annual_factors
from sim.pack import load_pack

PACK = "tests/data/measures_pack"
TIME = {"start": "2020-01", "end": "2022-12"}
STOCH = {"name": "stochastic", "n_samples": 8, "seed": 3, "correlation": 0.5, "ar1": 0.2}


def test_samples_scale_each_year_by_its_own_factor():
    cfg = _as_config({"region": PACK, "time": TIME, "hydrology": STOCH})
    pack = load_pack(PACK)
    inputs, _, _ = build_inputs(cfg, pack)
    plain, _, _ = build_inputs(_as_config({"region": PACK, "time": TIME}), pack)
    f = annual_factors(load_statistics(pack), [2020, 2021, 2022], 8, 3, 0.5, 0.2, 0.9)
    # runoff of sample 5, unit b, July 2021 = mean July runoff x that year's factor
    t = np.flatnonzero((inputs.time.dt.year == 2021).values & (inputs.time.dt.month == 7).values)[0]
    got = float(inputs["runoff"].sel(sample=5, unit="b").isel(time=t))
    want = float(plain["runoff"].sel(unit="b").isel(time=t)) * float(
        f["runoff"].sel(sample=5, unit="b", year=2021)
    )
    assert got == pytest.approx(want, rel=1e-12)
    # the irrigation requirement of a sample rises in its dry years (less effective rain)
    irr = inputs["requirement"].sel(sector="irrigation").groupby("time.year").sum().sum("unit")
    kp = f["precipitation"].mean("unit")
    corr = np.corrcoef(irr.values.ravel(), kp.transpose(*irr.dims).values.ravel())[0, 1]
    assert corr < -0.5


def test_stochastic_runs_are_reproducible_and_differ_by_seed():
    a = simulate({"region": PACK, "time": TIME, "hydrology": STOCH})
    b = simulate({"region": PACK, "time": TIME, "hydrology": STOCH})
    c = simulate({"region": PACK, "time": TIME, "hydrology": {**STOCH, "seed": 4}})
    assert a.sizes["sample"] == 8
    np.testing.assert_array_equal(a["delivery"].values, b["delivery"].values)
    assert not np.array_equal(a["runoff"].values, c["runoff"].values)
    assert "cap_exceedance" not in a  # the measures pack has no caps


def test_temperature_delta_raises_et0_and_irrigation():
    base = simulate({"region": PACK, "time": TIME})
    warm = simulate({"region": PACK, "time": TIME, "hydrology": {"delta_temperature": 2.0}})
    et0_b = base["irrigation_et0"].sum("month")
    et0_w = warm["irrigation_et0"].sum("month")
    assert bool((et0_w > et0_b).all())
    # the ET0 method itself (Hargreaves here) on the shifted temperatures: same numbers
    from sim.agro import monthly_et0

    tmax = np.array([-5, 0, 8, 17, 24, 28, 30, 28, 22, 14, 4, -3], dtype=float)
    tmin = np.array([-18, -14, -6, 2, 9, 14, 17, 15, 8, 0, -8, -15], dtype=float)
    want = monthly_et0(tmax + 2.0, tmin + 2.0, 40.5, year=2001)
    np.testing.assert_allclose(warm["irrigation_et0"].sel(unit="a").squeeze().values, want, rtol=1e-9)
    # Hargreaves: ET0 ∝ (T + 17.8) sqrt(tmax - tmin): +2 °C raises a July of mean 23.5 °C by ~5 %
    ratio = float(et0_w.sel(unit="a").squeeze() / et0_b.sel(unit="a").squeeze())
    assert 1.03 < ratio < 1.12
    irr = lambda ds: float(ds["requirement"].sel(sector="irrigation").sum())
    assert irr(warm) > irr(base)


def test_precipitation_and_runoff_deltas():
    base = simulate({"region": PACK, "time": TIME})
    dry = simulate(
        {"region": PACK, "time": TIME, "hydrology": {"delta_precipitation": -20.0, "delta_runoff": -30.0}}
    )
    np.testing.assert_allclose(dry["runoff"].values, 0.7 * base["runoff"].values, rtol=1e-12)
    np.testing.assert_allclose(
        dry["groundwater_recharge"].values, 0.8 * base["groundwater_recharge"].values, rtol=1e-12
    )
    assert float(dry["requirement"].sel(sector="irrigation").sum()) > float(
        base["requirement"].sel(sector="irrigation").sum()
    )


@pytest.mark.parametrize(
    ("hyd", "match"),
    [
        ({**STOCH, "n_samples": 0}, r"n_samples"),
        ({**STOCH, "ar1": 1.0}, r"hydrology.ar1"),
        ({**STOCH, "correlation": 1.5}, r"correlation"),
        ({"delta_precipitation": -100.0}, r"hydrology.delta_precipitation"),
        ({"name": "wet"}, r"hydrology.name': expected one of mean, design, stochastic, water_year, series"),
    ],
)
def test_bad_stochastic_options(hyd, match):
    with pytest.raises(InputError, match=match):
        simulate({"region": PACK, "time": TIME, "hydrology": hyd})


def test_a_seed_that_is_not_an_integer_is_refused():
    with pytest.raises(InputError, match=r"seed"):
        simulate({"region": PACK, "time": TIME, "hydrology": {**STOCH, "seed": 1.5}})


def test_water_years_scale_each_year_by_its_type():
    hyd = {"name": "water_year", "year_types": {"dry": 0.5, "normal": 1.0}, "sequence": ["normal", "dry"]}
    cfg = _as_config({"region": PACK, "time": TIME, "hydrology": hyd})
    pack = load_pack(PACK)
    inputs, _, _ = build_inputs(cfg, pack)
    plain, _, _ = build_inputs(_as_config({"region": PACK, "time": TIME}), pack)
    year = inputs.time.dt.year
    ratio = (inputs["runoff"] / plain["runoff"]).groupby(year).mean(...)
    # 2020 normal, 2021 dry, 2022 normal again (the sequence repeats)
    assert ratio.values == pytest.approx([1.0, 0.5, 1.0])
    # recharge follows precipitation with the pack's elasticity 1
    rr = (inputs["groundwater_recharge"] / plain["groundwater_recharge"]).groupby(year).mean(...)
    assert rr.values == pytest.approx([1.0, 0.5, 1.0])


def test_series_of_annual_factors_and_its_gaps(tmp_path):
    f = tmp_path / "factors.csv"
    f.write_text(
        "year,unit,variable,factor\n2020,*,runoff,0.9\n2021,*,runoff,0.6\n2022,*,runoff,1.3\n2021,b,runoff,0.4\n"
    )
    cfg = _as_config({"region": PACK, "time": TIME, "hydrology": {"name": "series", "file": str(f)}})
    pack = load_pack(PACK)
    inputs, _, _ = build_inputs(cfg, pack)
    plain, _, _ = build_inputs(_as_config({"region": PACK, "time": TIME}), pack)
    ratio = (inputs["runoff"] / plain["runoff"]).groupby(inputs.time.dt.year).mean("time")
    assert ratio.sel(unit="a").values == pytest.approx([0.9, 0.6, 1.3])
    assert ratio.sel(unit="b").values == pytest.approx([0.9, 0.4, 1.3])  # the unit row wins
    f.write_text("year,unit,variable,factor\n2020,*,runoff,0.9\n2022,*,runoff,1.3\n")
    with pytest.raises(InputError, match=r"factors.csv: the series of runoff has a gap: no factor for 2021"):
        simulate({"region": PACK, "time": TIME, "hydrology": {"name": "series", "file": str(f)}})
    f.write_text("year,unit,variable,factor\n2020,*,runoff,-1\n")
    with pytest.raises(InputError, match=r"factors.csv, row 2, column 'factor'"):
        simulate({"region": PACK, "time": TIME, "hydrology": {"name": "series", "file": str(f)}})


def test_water_year_errors():
    hyd = {"name": "water_year", "year_types": {"dry": 0.5}, "sequence": ["normal"]}
    with pytest.raises(InputError, match=r"unknown year type 'normal'; hydrology.year_types has: dry"):
        simulate({"region": PACK, "time": TIME, "hydrology": hyd})


def test_chunks_share_the_demand_models_that_do_not_vary_by_sample(monkeypatch):
    # build_inputs for chunks of samples with one cache: a demand model whose result has no
    # sample dim (domestic) runs once; one that varies by sample (irrigation: effective rain)
    # runs for every chunk. The inputs equal those built without the cache, chunk by chunk.
    from sim import core

    cfg = _as_config({"region": PACK, "time": TIME, "hydrology": STOCH})
    pack = load_pack(PACK)
    models = dict(zip(pack.data.sector.values, pack.data["sector_model"].values, strict=True))
    assert models["domestic"] and models["irrigation"]
    calls: dict[str, int] = {}
    load = core.load_model

    def counting(name):
        module = load(name)

        class Counted:
            @staticmethod
            def requirement(*args):
                calls[name] = calls.get(name, 0) + 1
                return module.requirement(*args)

        return Counted

    monkeypatch.setattr(core, "load_model", counting)
    cache: dict = {}
    chunks = [slice(0, 3), slice(3, 6), slice(6, 8)]
    shared = [build_inputs(cfg, pack, samples=s, cache=cache)[0] for s in chunks]
    assert calls[str(models["irrigation"])] == 3
    assert calls[str(models["domestic"])] == 1
    monkeypatch.setattr(core, "load_model", load)
    for s, got in zip(chunks, shared, strict=True):
        alone, _, _ = build_inputs(cfg, pack, samples=s)
        np.testing.assert_array_equal(got["requirement"].values, alone["requirement"].values)
    # the irrigation requirement does differ between chunks (so a stale result would show)
    a = shared[0]["requirement"].sel(sector="irrigation").isel(sample=0)
    b = shared[1]["requirement"].sel(sector="irrigation").isel(sample=0)
    assert not np.allclose(a.values, b.values)


def test_a_stochastic_run_does_not_import_scipy_stats():
    # the draw needs scipy.special only; scipy.stats (the P-III fitting, design years and
    # sequences) takes about a second to import, so it is imported only where needed
    import subprocess
    import sys

    code = (
        "import sys, warnings; warnings.simplefilter('ignore'); import sim; "
        f"sim.simulate({{'region': {PACK!r}, 'time': {TIME!r}, 'hydrology': {STOCH!r}}}); "
        "print('scipy.stats' in sys.modules, 'scipy.special' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]
