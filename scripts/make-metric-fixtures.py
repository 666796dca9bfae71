#!/usr/bin/env python3
"""Writes the known-answer fixtures for ModelMath's metrics, statistics and calibration.

Run once with scikit-learn, SciPy and NumPy from PyPI (a venv outside the repo):
    python3 -m venv /work/venv-ref && /work/venv-ref/bin/pip install numpy scipy scikit-learn
    /work/venv-ref/bin/python scripts/make-metric-fixtures.py
Output: Tests/ModelMathTests/Fixtures/metrics/*.json (small; committed). The versions used are
recorded in each file. Floats are written with repr, so they round-trip exactly.

Large KS samples are not stored: both sides rebuild them from `weyl_sample` (integer
arithmetic, exact in any language), so only the recipe goes into the fixture.
"""
import json
import math
import os
import sys

import numpy as np
import scipy
import sklearn
from scipy import stats
from scipy.spatial import distance
from sklearn import metrics
from sklearn.calibration import _sigmoid_calibration
from sklearn.isotonic import IsotonicRegression

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "ModelMathTests",
                   "Fixtures", "metrics")
VERSIONS = {"numpy": np.__version__, "scipy": scipy.__version__, "sklearn": sklearn.__version__}


def floats(values):
    return [float(v) for v in values]


def write(name, payload):
    payload = {"generatedBy": "scripts/make-metric-fixtures.py", "versions": VERSIONS, **payload}
    path = os.path.join(OUT, name)
    with open(path, "w") as f:
        json.dump(payload, f, indent=1, allow_nan=False)
        f.write("\n")
    print(f"wrote {os.path.relpath(path)} ({os.path.getsize(path)} bytes)")


# MARK: - Binary classification

def binary_case(name, rng, n, ties, weighted):
    labels = (rng.random(n) < 0.35).astype(float)
    scores = np.clip(0.25 + 0.35 * labels + rng.normal(0, 0.22, n), 0, 1)
    if ties:
        scores = np.round(scores, 1)
    weights = rng.uniform(0.2, 3.0, n) if weighted else None
    predictions = (scores >= 0.5).astype(float)
    w = weights
    precision, recall, thresholds = metrics.precision_recall_curve(labels, scores, sample_weight=w)
    # Threshold choice over the curve's points, highest threshold first; ties keep the first.
    order = list(range(len(thresholds) - 1, -1, -1))
    best_f1 = None
    best_precision_at_recall = {}
    for i in order:
        p, r = precision[i], recall[i]
        f1 = 0.0 if p + r == 0 else 2 * p * r / (p + r)
        if best_f1 is None or f1 > best_f1["f1"]:
            best_f1 = {"threshold": float(thresholds[i]), "precision": float(p), "recall": float(r),
                       "f1": float(f1)}
        for floor in (0.5, 0.8, 0.95):
            if r >= floor:
                current = best_precision_at_recall.get(floor)
                if current is None or p > current["precision"]:
                    best_precision_at_recall[floor] = {"recallFloor": floor,
                                                       "threshold": float(thresholds[i]),
                                                       "precision": float(p),
                                                       "recall": float(r)}
    cm = metrics.confusion_matrix(labels, predictions, sample_weight=w)
    return {
        "name": name,
        "labels": floats(labels),
        "scores": floats(scores),
        "predictions": floats(predictions),
        "sampleWeights": floats(weights) if weighted else None,
        "accuracy": metrics.accuracy_score(labels, predictions, sample_weight=w),
        "precision": metrics.precision_score(labels, predictions, sample_weight=w, zero_division=0),
        "recall": metrics.recall_score(labels, predictions, sample_weight=w, zero_division=0),
        "f1": metrics.f1_score(labels, predictions, sample_weight=w, zero_division=0),
        "rocAUC": metrics.roc_auc_score(labels, scores, sample_weight=w),
        "averagePrecision": metrics.average_precision_score(labels, scores, sample_weight=w),
        "logLoss": metrics.log_loss(labels, scores, sample_weight=w),
        "brier": metrics.brier_score_loss(labels, scores, sample_weight=w),
        "confusionMatrix": [floats(row) for row in cm],
        "maxF1": best_f1,
        "bestPrecisionAtRecall": [best_precision_at_recall[f] for f in sorted(best_precision_at_recall)],
    }


def multiclass_case(name, rng, n, k, weighted):
    truth = rng.integers(0, k, n)
    noise = rng.integers(0, k, n)
    predicted = np.where(rng.random(n) < 0.6, truth, noise)
    weights = rng.uniform(0.5, 2.0, n) if weighted else None
    w = weights
    out = {
        "name": name,
        "trueClasses": [int(v) for v in truth],
        "predictedClasses": [int(v) for v in predicted],
        "sampleWeights": floats(weights) if weighted else None,
        "classes": [int(c) for c in np.unique(np.concatenate([truth, predicted]))],
        "confusionMatrix": [floats(r) for r in metrics.confusion_matrix(truth, predicted, sample_weight=w)],
        "accuracy": metrics.accuracy_score(truth, predicted, sample_weight=w),
    }
    for avg in ("macro", "weighted", "micro"):
        out[f"precision_{avg}"] = metrics.precision_score(truth, predicted, average=avg, sample_weight=w, zero_division=0)
        out[f"recall_{avg}"] = metrics.recall_score(truth, predicted, average=avg, sample_weight=w, zero_division=0)
        out[f"f1_{avg}"] = metrics.f1_score(truth, predicted, average=avg, sample_weight=w, zero_division=0)
    # Class probabilities: a softmax of noisy one-hot logits, so the true class tends to win.
    logits = rng.normal(0, 1, (n, k)) + 1.2 * np.eye(k)[truth]
    logits = np.round(logits, 1)  # ties in the per-class scores
    probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    out["probabilities"] = [floats(row) for row in probabilities]
    out["rocAUC_ovr_macro"] = metrics.roc_auc_score(truth, probabilities, multi_class="ovr", average="macro", sample_weight=w)
    out["rocAUC_ovr_weighted"] = metrics.roc_auc_score(truth, probabilities, multi_class="ovr", average="weighted", sample_weight=w)
    out["logLoss"] = metrics.log_loss(truth, probabilities, sample_weight=w)
    out["precisionPerClass"] = floats(metrics.precision_score(truth, predicted, average=None, sample_weight=w, zero_division=0))
    out["recallPerClass"] = floats(metrics.recall_score(truth, predicted, average=None, sample_weight=w, zero_division=0))
    out["f1PerClass"] = floats(metrics.f1_score(truth, predicted, average=None, sample_weight=w, zero_division=0))
    return out


def regression_case(name, rng, n, weighted):
    truth = rng.normal(50, 20, n)
    truth[::17] = 0.0  # exact zeros exercise MAPE's epsilon floor
    predicted = truth + rng.normal(0, 6, n)
    weights = rng.uniform(0.2, 3.0, n) if weighted else None
    w = weights
    return {
        "name": name,
        "truth": floats(truth),
        "predicted": floats(predicted),
        "sampleWeights": floats(weights) if weighted else None,
        "rmse": metrics.root_mean_squared_error(truth, predicted, sample_weight=w),
        "mae": metrics.mean_absolute_error(truth, predicted, sample_weight=w),
        "mape": metrics.mean_absolute_percentage_error(truth, predicted, sample_weight=w),
        "r2": metrics.r2_score(truth, predicted, sample_weight=w),
        "pinball": [{"quantile": q, "loss": metrics.mean_pinball_loss(truth, predicted, alpha=q, sample_weight=w)}
                    for q in (0.1, 0.5, 0.9)],
    }


def make_classification_fixtures():
    rng = np.random.default_rng(20261203)
    write("binary.json", {"cases": [
        binary_case("continuous", rng, 300, ties=False, weighted=False),
        binary_case("ties", rng, 250, ties=True, weighted=False),
        binary_case("ties-weighted", rng, 250, ties=True, weighted=True),
        binary_case("continuous-weighted", rng, 120, ties=False, weighted=True),
    ]})
    write("multiclass.json", {"cases": [
        multiclass_case("three-classes", rng, 240, 3, weighted=False),
        multiclass_case("five-classes-weighted", rng, 300, 5, weighted=True),
    ]})
    write("regression.json", {"cases": [
        regression_case("plain", rng, 200, weighted=False),
        regression_case("weighted", rng, 150, weighted=True),
    ]})


# MARK: - Kolmogorov–Smirnov

def weyl_sample(count, multiplier, offset, shift, scale, decimals):
    """u_i = ((i * multiplier + offset) mod 2^32) / 2^32 for i in 0..<count, then
    shift + scale * u_i, rounded to `decimals` places when decimals >= 0 (ties)."""
    out = []
    for i in range(count):
        u = ((i * multiplier + offset) % 4294967296) / 4294967296.0
        v = shift + scale * u
        if decimals >= 0:
            v = round(v * 10 ** decimals) / 10 ** decimals
        out.append(v)
    return out


def ks_results(a, b):
    out = {}
    for method in ("auto", "exact", "asymp"):
        try:
            import warnings
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                res = stats.ks_2samp(a, b, method=method)
            out[method] = {"statistic": float(res.statistic), "pvalue": float(res.pvalue)}
        except RuntimeWarning:
            out[method] = None  # scipy fell back to another method; not a fixture
    # One-sided alternatives. SciPy falls back to the asymptotic formula (with a warning) when
    # the exact count overflows; that fallback is part of the semantics, so it is recorded.
    import warnings
    for alternative in ("less", "greater"):
        for method in ("auto", "exact", "asymp"):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res = stats.ks_2samp(a, b, alternative=alternative, method=method)
            out[f"{alternative}_{method}"] = {"statistic": float(res.statistic), "pvalue": float(res.pvalue)}
    return out


def make_ks_fixtures():
    rng = np.random.default_rng(7)
    pairs = []

    def stored(name, a, b):
        pairs.append({"name": name, "a": floats(a), "b": floats(b), **ks_results(np.array(a), np.array(b))})

    def recipe(name, ra, rb):
        a = weyl_sample(**ra)
        b = weyl_sample(**rb)
        pairs.append({"name": name, "recipeA": ra, "recipeB": rb, **ks_results(np.array(a), np.array(b))})

    stored("equal-20", rng.normal(0, 1, 20), rng.normal(0.5, 1, 20))
    stored("tiny-3-5", rng.normal(0, 1, 3), rng.normal(0, 1, 5))
    stored("ties-30-45", rng.integers(0, 6, 30), rng.integers(1, 7, 45))
    stored("identical-8", [1.0, 2, 3, 4, 5, 6, 7, 8], [1.0, 2, 3, 4, 5, 6, 7, 8])
    stored("separated-10-12", rng.normal(0, 1, 10), rng.normal(10, 1, 12))
    stored("normal-200-150", rng.normal(0, 1, 200), rng.normal(0.3, 1.2, 150))
    stored("ties-rounded-400-300", np.round(rng.normal(0, 1, 400), 1), np.round(rng.normal(0.1, 1, 300), 1))
    stored("equal-100-shift", rng.normal(0, 1, 100), rng.normal(0.2, 1, 100))
    stored("asym-small-60-7", rng.normal(0, 1, 60), rng.normal(1.0, 1, 7))
    recipe("weyl-3000-2500",
           {"count": 3000, "multiplier": 2654435761, "offset": 12345, "shift": 0.0, "scale": 1.0, "decimals": -1},
           {"count": 2500, "multiplier": 2246822519, "offset": 777, "shift": 0.03, "scale": 1.0, "decimals": -1})
    recipe("weyl-ties-5000-5000",
           {"count": 5000, "multiplier": 2654435761, "offset": 1, "shift": 0.0, "scale": 1.0, "decimals": 2},
           {"count": 5000, "multiplier": 3266489917, "offset": 99, "shift": 0.02, "scale": 1.0, "decimals": 2})
    recipe("weyl-12000-11000",
           {"count": 12000, "multiplier": 2654435761, "offset": 5, "shift": 0.0, "scale": 1.0, "decimals": -1},
           {"count": 11000, "multiplier": 2246822519, "offset": 3, "shift": 0.01, "scale": 1.01, "decimals": -1})
    recipe("weyl-same-20000-15000",
           {"count": 20000, "multiplier": 2654435761, "offset": 5, "shift": 0.0, "scale": 1.0, "decimals": 3},
           {"count": 15000, "multiplier": 3266489917, "offset": 11, "shift": 0.0, "scale": 1.0, "decimals": 3})

    # kstwo.sf over (n, d) pairs chosen to reach every branch of scipy's kolmogn.
    grid = []
    for n in (1, 2, 5, 10, 37, 100, 140, 141, 500, 1000, 5000, 50000, 100000, 250000):
        for d in (0.3 / n, 0.75 / n, 1.0 / n, 0.004, 0.01, 0.03, 0.05, 0.08, 0.1, 0.2, 0.35, 0.5, 0.7,
                  1 - 1.5 / n, 0.999):
            if 0 < d < 1:
                grid.append({"n": n, "d": d, "sf": float(stats.kstwo.sf(d, n))})
    write("ks.json", {"pairs": pairs, "kolmogorovSF": grid})


# MARK: - Drift statistics

def psi(expected_counts, actual_counts, floor=1e-4):
    e = np.asarray(expected_counts, float) / np.sum(expected_counts)
    a = np.asarray(actual_counts, float) / np.sum(actual_counts)
    e = np.maximum(e, floor)
    a = np.maximum(a, floor)
    return float(np.sum((a - e) * np.log(a / e)))


def make_drift_fixtures():
    rng = np.random.default_rng(11)
    reference = rng.normal(0, 1, 300)
    current = rng.normal(0.4, 1.3, 250)
    # Decile edges of the reference (numpy's default linear quantiles); outer bins are open.
    edges = np.quantile(reference, np.linspace(0, 1, 11))[1:-1]
    ref_counts = np.histogram(reference, bins=np.concatenate([[-np.inf], edges, [np.inf]]))[0]
    cur_counts = np.histogram(current, bins=np.concatenate([[-np.inf], edges, [np.inf]]))[0]
    weights_u = rng.uniform(0.5, 2, 300)
    weights_v = rng.uniform(0.5, 2, 250)
    p = rng.integers(1, 50, 6).astype(float)
    q = rng.integers(0, 50, 6).astype(float)
    observed = [[30, 14, 34, 45, 57], [40, 20, 31, 52, 40]]
    observed_2x2 = [[12, 5], [7, 15]]
    chi = stats.chi2_contingency(observed)
    chi22 = stats.chi2_contingency(observed_2x2)
    chi22_nocorr = stats.chi2_contingency(observed_2x2, correction=False)
    gof = stats.chisquare([16, 18, 16, 14, 12, 12], f_exp=[16, 16, 16, 16, 16, 8])
    write("drift.json", {
        "reference": floats(reference),
        "current": floats(current),
        "referenceWeights": floats(weights_u),
        "currentWeights": floats(weights_v),
        "decileEdges": floats(edges),
        "referenceCounts": [int(c) for c in ref_counts],
        "currentCounts": [int(c) for c in cur_counts],
        "psi": psi(ref_counts, cur_counts),
        "psiFloor": 1e-4,
        "wasserstein": float(stats.wasserstein_distance(reference, current)),
        "wassersteinWeighted": float(stats.wasserstein_distance(reference, current, weights_u, weights_v)),
        "jsP": floats(p),
        "jsQ": floats(q),
        "jensenShannonDistance": float(distance.jensenshannon(p, q)),
        "jensenShannonDistanceBase2": float(distance.jensenshannon(p, q, base=2)),
        "chiSquare": [
            {"observed": observed, "correction": True, "statistic": float(chi.statistic),
             "pvalue": float(chi.pvalue), "dof": int(chi.dof)},
            {"observed": observed_2x2, "correction": True, "statistic": float(chi22.statistic),
             "pvalue": float(chi22.pvalue), "dof": int(chi22.dof)},
            {"observed": observed_2x2, "correction": False, "statistic": float(chi22_nocorr.statistic),
             "pvalue": float(chi22_nocorr.pvalue), "dof": int(chi22_nocorr.dof)},
        ],
        "goodnessOfFit": {"observed": [16, 18, 16, 14, 12, 12], "expected": [16, 16, 16, 16, 16, 8],
                          "statistic": float(gof.statistic), "pvalue": float(gof.pvalue)},
        "chi2SF": [{"x": x, "dof": k, "sf": float(stats.chi2.sf(x, k))}
                   for k in (1, 2, 3, 7, 30) for x in (0.01, 0.5, 2.0, 5.0, 12.0, 40.0, 90.0)],
    })


# MARK: - Calibration

def make_calibration_fixtures():
    rng = np.random.default_rng(5)
    n = 400
    labels = (rng.random(n) < 0.3).astype(float)
    decision = 1.5 * labels - 0.7 + rng.normal(0, 1.1, n)
    weights = rng.uniform(0.3, 2.0, n)
    grid = np.linspace(-4, 4, 41)
    platt = []
    for name, w, f in (("plain", None, decision), ("weighted", weights, decision),
                       ("large-scale", None, decision * 40.0)):
        a, b = _sigmoid_calibration(f, labels, sample_weight=w)
        g = grid * (40.0 if name == "large-scale" else 1.0)
        platt.append({"name": name, "decision": floats(f), "sampleWeights": floats(w) if w is not None else None,
                      "a": float(a), "b": float(b), "grid": floats(g),
                      "probabilities": floats(1.0 / (1.0 + np.exp(a * g + b)))})
    x = np.round(rng.uniform(0, 10, 150), 1)  # rounding makes ties in x
    y = np.sin(x / 3) + 0.1 * x + rng.normal(0, 0.3, 150)
    w = rng.uniform(0.5, 2, 150)
    iso_grid = np.linspace(-1, 11, 61)
    isotonic = []
    for name, ww, increasing in (("plain", None, True), ("weighted", w, True), ("decreasing", w, False)):
        model = IsotonicRegression(out_of_bounds="clip", increasing=increasing).fit(x, y, sample_weight=ww)
        isotonic.append({"name": name, "increasing": increasing, "x": floats(x), "y": floats(y),
                         "sampleWeights": floats(ww) if ww is not None else None,
                         "grid": floats(iso_grid), "predictions": floats(model.predict(iso_grid)),
                         "fitted": floats(model.predict(x))})
    write("calibration.json", {"labels": floats(labels), "platt": platt, "isotonic": isotonic})


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    make_classification_fixtures()
    make_ks_fixtures()
    make_drift_fixtures()
    make_calibration_fixtures()
    sys.exit(0)
