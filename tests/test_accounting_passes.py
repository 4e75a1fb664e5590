"""The compiled accounting passes (sim.engine.derive): serial equals threaded, and by hand."""

from __future__ import annotations

import numpy as np

from sim.accounting import EXTERNAL, account, check_mass_balance
from sim.engine import batch_dims, run_network
from sim.engine.derive import (
    balance_residual_parallel,
    balance_residual_serial,
    derive_flows_parallel,
    derive_flows_serial,
)
from sim.synthetic import cascade_inputs


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
        by_unit = np.empty((2, b, t, u))
        fn(delivery, req, *frac, external, is_gw, flows, by_unit)
        outs.append((flows, by_unit))
    np.testing.assert_array_equal(outs[0][0], outs[1][0])
    np.testing.assert_array_equal(outs[0][1], outs[1][1])
    # by hand: pumping is slot 1 summed over sectors; external water slots 2, 4 and 5
    np.testing.assert_allclose(outs[0][1][0], delivery[..., 1].sum(-1), rtol=1e-14)
    np.testing.assert_allclose(outs[0][1][1], delivery[..., [2, 4, 5]].sum((-1, -2)), rtol=1e-14)
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
    r1, r2 = np.empty((b, t, u)), np.empty((b, t, u))
    balance_residual_serial(*args, r1)
    balance_residual_parallel(*args, r2)
    np.testing.assert_array_equal(r1, r2)
