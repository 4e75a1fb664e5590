"""Metrics of targets.csv computed by hand on a tiny result Dataset."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from sim.calibration import compare_targets, metric_value


@pytest.fixture
def bal():
    time = pd.date_range("2022-01-01", periods=2, freq="MS")
    # delivery [hm3] (time, unit, sector, source); sources: surface, groundwater, transfer, reclaimed
    d = np.zeros((2, 2, 2, 4))
    d[:, 0, 0] = [1.0, 2.0, 0.0, 0.5]  # unit a, irrigation
    d[:, 1, 0] = [0.0, 3.0, 4.0, 0.0]  # unit b, irrigation
    d[:, 1, 1] = [0.5, 0.5, 0.0, 1.0]  # unit b, domestic
    ds = xr.Dataset(
        {
            "delivery": (("scenario", "sample", "time", "unit", "sector", "source"), d[None, None]),
            "requirement": (("scenario", "sample", "time", "unit", "sector"), d.sum(-1)[None, None] * 1.25),
            "irrigation_irrigation_net": (("time", "unit"), np.array([[2.0, 4.2], [2.0, 4.2]])),
            "irrigation_irrigated_area": (("time", "unit"), np.array([[1000.0, 2000.0]] * 2)),
        },
        coords={
            "scenario": ["baseline"], "sample": [0], "time": time, "unit": ["a", "b"],
            "sector": ["irrigation", "domestic"], "source": ["surface", "groundwater", "transfer", "reclaimed"],
            "league": ("unit", ["L1", "L2"]), "sector_group": ("sector", ["agriculture", "domestic"]),
        },
    )  # fmt: skip
    return ds


def test_volume_metrics(bal):
    # per month: a 3.5, b-irrigation 7, b-domestic 2 -> 12.5; two months -> 25
    assert metric_value(bal, "total_use", 2022) == pytest.approx(25.0)
    assert metric_value(bal, "use:agriculture", 2022) == pytest.approx(21.0)
    assert metric_value(bal, "use:domestic", 2022) == pytest.approx(4.0)
    # surface + transfer: (1 + 4 + 0.5) x 2 = 11; reclaimed as "other": (0.5 + 1) x 2 = 3
    assert metric_value(bal, "supply:surface", 2022) == pytest.approx(11.0)
    assert metric_value(bal, "supply:groundwater", 2022) == pytest.approx(11.0)
    assert metric_value(bal, "supply:other", 2022) == pytest.approx(3.0)
    assert metric_value(bal, "transfer:L2", 2022) == pytest.approx(8.0)
    # L2 groundwater (3 + 0.5) / (7 + 2) per month
    assert metric_value(bal, "groundwater_share:L2", 2022) == pytest.approx(3.5 / 9.0)


def test_irrigation_metrics(bal):
    # 21 hm3 over 3000 ha = 45000 mu -> 21e6 / 45000 = 466.67 m3/mu
    assert metric_value(bal, "irrigation_per_area", 2022) == pytest.approx(21e6 / 45000)
    # net 12.4 / gross requirement 21 x 1.25
    assert metric_value(bal, "irrigation_coefficient", 2022) == pytest.approx(12.4 / 26.25)


def test_compare_targets_tolerances(bal):
    targets = pd.DataFrame(
        [
            {"metric": "total_use", "value": 25.2, "tolerance": 0.01, "tolerance_kind": "rel", "year": 2022},
            {"metric": "total_use", "value": 26.0, "tolerance": 0.01, "tolerance_kind": "rel", "year": 2022},
            {
                "metric": "groundwater_share:L2",
                "value": 0.4,
                "tolerance": 0.02,
                "tolerance_kind": "abs",
                "year": 2022,
            },
        ]
    )
    table = compare_targets(bal, targets)
    assert list(table["ok"]) == [True, False, True]
    assert table["error"].iloc[0] == pytest.approx((25.0 - 25.2) / 25.2)
