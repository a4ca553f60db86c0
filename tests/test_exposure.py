"""Exposure tables against a brute-force per-patient split of the follow-up."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import bayesurv as bs
from bayesurv.data.exposure import ExposureTable, PatientPieces, fine_grid, piece_index


def brute_force_split(time, event, group, edges, n_groups):
    """Split each patient on the grid one piece at a time (pieces are (a, b])."""
    bounds = [*edges, np.inf]
    events = np.zeros((len(edges), n_groups))
    exposure = np.zeros((len(edges), n_groups))
    for t, d, g in zip(time, event, group, strict=True):
        for j in range(len(edges)):
            a, b = bounds[j], bounds[j + 1]
            exposure[j, g] += max(0.0, min(t, b) - a)
            if d and (a < t <= b or (j == 0 and t == 0)):
                events[j, g] += 1
    return events, exposure


@pytest.fixture(params=[1, 2, 3])
def random_data(request):
    rng = np.random.default_rng(request.param)
    n = 400
    # times on a coarse lattice so that many fall exactly on cuts, plus a few zeros
    time = np.round(rng.exponential(20, n), 0)
    time[:5] = 0.0
    df = pd.DataFrame({"time": time, "event": rng.integers(0, 2, n),
                       "arm": rng.choice(["a", "b", "c"], n)})
    return bs.SurvivalData.from_frame(df, reference="a")


@pytest.mark.parametrize("cuts", [[], [13], [1, 2, 3, 13, 24.5, 60], list(range(1, 90))])
def test_table_equals_brute_force(random_data, cuts):
    edges = fine_grid(cuts)
    table = ExposureTable.from_data(random_data, edges)
    events, exposure = brute_force_split(random_data.time, random_data.event,
                                         random_data.group_index, edges, 3)
    np.testing.assert_allclose(table.events, events, rtol=0, atol=1e-9)
    np.testing.assert_allclose(table.exposure, exposure, rtol=0, atol=1e-9)


def test_totals_are_conserved(random_data):
    table = ExposureTable.from_data(random_data, fine_grid([5, 10, 40]))
    assert table.events.sum() == random_data.n_events
    assert table.exposure.sum() == pytest.approx(random_data.time.sum(), abs=1e-9)


def test_event_at_a_cut_belongs_to_the_piece_ending_there():
    df = pd.DataFrame({"time": [13.0, 13.0], "event": [1, 1], "arm": ["a", "b"]})
    table = ExposureTable.from_data(bs.SurvivalData.from_frame(df, reference="a"),
                                    fine_grid([13]))
    np.testing.assert_array_equal(table.events, [[1, 1], [0, 0]])
    np.testing.assert_array_equal(table.exposure, [[13, 13], [0, 0]])


def test_patient_pieces_rebuild_the_table(random_data):
    edges = fine_grid([2, 7, 13, 30])
    pieces = PatientPieces.from_data(random_data, edges)
    dense = pieces.dense()
    table = ExposureTable.from_data(random_data, edges)
    for g in range(3):
        rows = random_data.group_index == g
        np.testing.assert_allclose(dense[rows].sum(axis=0), table.exposure[:, g], atol=1e-9)
    np.testing.assert_allclose(dense.sum(axis=1), random_data.time, atol=1e-9)


def test_coarsen_equals_a_direct_table(random_data):
    fine = ExposureTable.from_data(random_data, fine_grid(range(1, 50)))
    coarse = fine.coarsen(np.array([0.0, 13.0, 24.0]))
    direct = ExposureTable.from_data(random_data, fine_grid([13, 24]))
    np.testing.assert_allclose(coarse.events, direct.events, atol=1e-9)
    np.testing.assert_allclose(coarse.exposure, direct.exposure, atol=1e-9)


def test_piece_index_is_right_closed():
    edges = np.array([0.0, 13.0, 24.0])
    np.testing.assert_array_equal(piece_index(edges, np.array([0, 5, 13, 13.01, 24, 99])),
                                  [0, 0, 0, 1, 1, 2])
