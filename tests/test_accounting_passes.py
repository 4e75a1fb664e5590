"""The compiled accounting passes (sim.engine.derive): serial equals threaded, and by hand."""

from __future__ import annotations

import numpy as np
import pytest

from sim.accounting import EXTERNAL, _residual, account, balance_scale, check_mass_balance
from sim.engine import batch_dims, run_network
from sim.engine.derive import (
    balance_residual_parallel,
    balance_residual_serial,
    derive_flows_parallel,
    derive_flows_serial,
)
from sim.errors import MassBalanceError
from sim.synthetic import cascade_inputs


def derive_outputs(inputs, raw):
    """The flows and the by-unit sums of :func:`sim.engine.derive.derive` for a run."""
    from sim.accounting import _FRACTIONS
    from sim.engine import as_batch_array, as_batch_array_t
    from sim.engine.derive import derive

    bdims = batch_dims(inputs)
    sizes = {d: raw.sizes[d] for d in bdims}
    delivery = raw["delivery"].transpose(*bdims, "time", "unit", "sector", "source")
    sources = [str(s) for s in delivery.source.values]
    return derive(
        np.ascontiguousarray(delivery.values.reshape((-1, *delivery.shape[-4:]))),
        as_batch_array(inputs["requirement"], bdims, sizes, ("time", "unit", "sector")),
        *(as_batch_array_t(inputs[v], bdims, sizes, ("unit", "sector")) for v in _FRACTIONS),
        np.array([s in EXTERNAL for s in sources]),
        np.array([s == "groundwater" for s in sources]),
    )


def test_pumping_and_external_water_come_from_the_same_pass_as_the_flows():
    # a tree with reservoirs and four samples; pumping (per unit) must equal the delivery
    # from groundwater summed over the sectors, and the balance must close
    inputs = cascade_inputs(6, years=2, n_samples=4, topology="tree", reservoir=True, seed=11)
    raw = run_network(inputs)
    bal = account(inputs, raw)
    check_mass_balance(bal)
    by_hand = raw["delivery"].sel(source="groundwater").sum("sector")
    np.testing.assert_array_equal(bal["pumping"].values, by_hand.transpose(*bal["pumping"].dims).values)
    assert float(bal["pumping"].max()) > 0.0
    assert bal["pumping"].dims == (*batch_dims(inputs), "time", "unit")


def test_threaded_passes_equal_the_serial_ones():
    rng = np.random.default_rng(5)
    b, t, u, s, k = 6, 24, 5, 4, 6
    delivery = rng.gamma(2.0, 1.0, (b, t, u, s, k))
    req = delivery.sum(-1) + rng.uniform(0, 1, (b, t, u, s))
    frac = [rng.uniform(0, 1, (1, 1, u, s)) for _ in range(4)]
    external = np.array(
        [src in EXTERNAL for src in ("surface", "groundwater", "transfer", "reclaimed", "harvested", "other")]
    )
    is_gw = np.array([False, True, False, False, False, False])
    outs = []
    for fn in (derive_flows_serial, derive_flows_parallel):
        flows = np.empty((5, b, t, u, s))
        by_unit = np.empty((3, b, t, u))
        fn(delivery, req, *frac, external, is_gw, flows, by_unit)
        outs.append((flows, by_unit))
    np.testing.assert_array_equal(outs[0][0], outs[1][0])
    np.testing.assert_array_equal(outs[0][1], outs[1][1])
    # by hand: pumping is slot 1 summed over sectors; external water slots 2, 4 and 5
    np.testing.assert_allclose(outs[0][1][0], delivery[..., 1].sum(-1), rtol=1e-14)
    np.testing.assert_allclose(outs[0][1][1], delivery[..., [2, 4, 5]].sum((-1, -2)), rtol=1e-14)
    np.testing.assert_allclose(outs[0][1][2], delivery.sum((-1, -2)), rtol=1e-14)
    np.testing.assert_allclose(outs[0][0][0], np.maximum(0.0, req - delivery.sum(-1)), rtol=1e-14)
    flows, by_unit = outs[0]
    states = [rng.uniform(0, 5, (b, t, u)) for _ in range(3)] + [
        rng.uniform(0, 5, (b, t, u)) for _ in range(3)
    ]
    res0 = rng.uniform(0, 5, (b, u))
    aq = rng.uniform(0, 5, (b, t, u))
    aq0 = rng.uniform(0, 5, (b, u))
    pool = rng.uniform(0, 5, (b, t, u))
    args = (by_unit, flows, *states[:3], states[3], states[4], states[5], res0, aq, aq0, pool)
    r1, r2, s1, s2 = (np.empty((b, t, u)) for _ in range(4))
    balance_residual_serial(*args, r1, s1)
    balance_residual_parallel(*args, r2, s2)
    np.testing.assert_array_equal(r1, r2)
    np.testing.assert_array_equal(s1, s2)


def test_the_check_in_the_accounting_pass_is_check_mass_balance():
    # the scale of the compiled pass equals the readable one (balance_scale), with finite
    # and infinite aquifers, reservoirs and several samples; a balance broken at one unit
    # and step stops both checks with the same message
    inputs = cascade_inputs(6, years=2, n_samples=3, topology="tree", reservoir=True, seed=4)
    inputs["groundwater_storage"][1] = np.inf
    pref = inputs["preference"].values.copy()
    pref[3] = ["other", "surface", ""]  # water from outside the unit: a gain, not an inflow
    inputs = inputs.assign(preference=(inputs["preference"].dims, pref), other=inputs["other"] + 0.5)
    raw = run_network(inputs)
    bal = account(inputs, raw, check=True)
    assert float(bal["delivery"].sel(source="other").sum()) > 0.0
    res, scale = _residual(inputs, bal, *derive_outputs(inputs, raw))
    np.testing.assert_allclose(scale, balance_scale(bal).transpose(*res.dims).values, rtol=1e-13)
    assert np.isinf(bal["aquifer_storage"]).any() and float(bal["reservoir_storage"].max()) > 0.0
    broken = raw.copy(deep=True)
    broken["outflow"][{"sample": 2, "time": 5, "unit": 3}] += 1e-3
    with pytest.raises(MassBalanceError) as fused:
        account(inputs, broken, check=True)
    with pytest.raises(MassBalanceError) as readable:
        check_mass_balance(account(inputs, broken))
    assert str(fused.value) == str(readable.value)
    assert f"unit '{inputs.unit.values[3]}', step {str(inputs.time.values[5])[:10]}" in str(fused.value)
