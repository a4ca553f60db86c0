"""Simulation studies as Dask tasks (bs.run_tasks): results independent of the workers."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import bayesurv as bs


def _draws(index: int, seed: int) -> tuple[int, list[float]]:
    return index, np.random.default_rng(seed).normal(size=3).tolist()


def _small_fit(index: int, seed: int) -> list[float]:
    """A simulated trial and a tiny fit of it, both from the task's seed."""
    df = bs.simulate_trial(n=(60, 60), baseline_rates=[0.03], log_hr=(0.0, np.log(0.5)),
                           tau=12, censoring=(12, 48), seed=seed)
    data = bs.SurvivalData.from_frame(df, reference="control")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bs.BayesurvWarning)  # tiny fits, sparse arms
        fit = bs.PiecewiseExponential(cuts=[12], baseline=1).fit(
            data, draws=50, tune=50, chains=1, random_seed=seed, progressbar=False)
    return fit.idata.posterior["log_hr"].to_numpy().ravel().tolist()


def _cluster(workers: int):
    from distributed import LocalCluster

    return LocalCluster(n_workers=workers, threads_per_worker=1, processes=False,
                        dashboard_address=":0")


def test_results_do_not_depend_on_the_number_of_workers():
    from distributed import Client

    in_process = bs.run_tasks(_draws, 12, seed=5)
    assert [index for index, _ in in_process] == list(range(12))
    assert len({tuple(values) for _, values in in_process}) == 12  # independent seeds
    for workers in (1, 2):
        with _cluster(workers) as cluster, Client(cluster) as client:
            assert bs.run_tasks(_draws, 12, seed=5, client=client) == in_process
    assert bs.run_tasks(_draws, 12, seed=6) != in_process


def test_progress_is_reported_per_task():
    seen = []
    bs.run_tasks(_draws, 4, seed=1, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]


def test_fits_on_a_cluster_equal_fits_in_process():
    from distributed import Client

    in_process = bs.run_tasks(_small_fit, 2, seed=3)
    with _cluster(1) as cluster, Client(cluster) as client:
        on_cluster = bs.run_tasks(_small_fit, 2, seed=3, client=client)
    assert on_cluster == in_process  # the same seeds: the same draws, bit for bit
    assert in_process[0] != in_process[1]


@pytest.mark.parametrize("bad", [{"n_tasks": -1}, {"n_tasks": 2.5}, {"seed": -3},
                                 {"seed": True}])
def test_bad_arguments_are_refused(bad):
    arguments = {"n_tasks": 2, "seed": 1} | bad
    with pytest.raises(bs.BayesurvInputError, match="run_tasks"):
        bs.run_tasks(_draws, arguments["n_tasks"], seed=arguments["seed"])



def test_design_simulate_gives_the_same_trials_in_process_and_on_1_or_2_workers(monkeypatch):
    """Chunks of trials as tasks: the frequentist tests (a block of 250 trials per task) and
    a Bayesian rule (a fit per trial, here 1 trial per task) give the same numbers in
    process, in other chunks, and on clusters of 1 and 2 workers."""
    import importlib

    from distributed import Client

    design_simulate = importlib.import_module("bayesurv.design.simulate")  # the module
    rule = bs.design.BayesRule(bs.PiecewiseExponential(cuts=[6], baseline=1), threshold=0.8,
                               draws=40, tune=40, chains=1)
    scenario = bs.design.Scenario(control_hazard=[0.05], hazard_ratio=[1.0, 0.6], hr_cuts=[6])
    design = {"n": 60, "accrual": 6, "events": 30, "random_seed": 4}

    def both(client=None):
        seen = []
        bayes = bs.design.simulate(scenario, tests=[rule], trials=2, client=client,
                                   progress=lambda done, total: seen.append(total), **design)
        frequentist = bs.design.simulate(scenario, tests=["logrank", "rmst(8)"], trials=600,
                                         client=client, **design)
        return bayes.z["bayes"], frequentist.per_trial(), seen

    whole_block, _, seen = both()  # the default: one chunk of both trials
    assert seen == [1]
    monkeypatch.setattr(design_simulate, "BAYES_CHUNK", 1)
    in_process, per_trial, seen = both()
    assert seen == [2, 2]
    np.testing.assert_array_equal(in_process, whole_block)
    assert len(set(in_process.tolist())) == 2  # two different trials
    for workers in (1, 2):
        with _cluster(workers) as cluster, Client(cluster) as client:
            on_cluster, cluster_trials, _ = both(client)
        np.testing.assert_array_equal(on_cluster, in_process)
        pd.testing.assert_frame_equal(cluster_trials, per_trial)
