#!/usr/bin/env python3
"""Makes the learner fixtures in Tests/ModelMathTests/Fixtures/learners/.

Three small CSVs (header row, features then `label`, NaN written as `nan`) and reference.json with
the test scores of scikit-learn and LightGBM on them. ModelMath's tests train our learners on the
same rows and assert that they score within a stated tolerance of these figures.

Run once with a venv that has numpy, scipy, scikit-learn and lightgbm:
  /work/venv-ref/bin/python scripts/make-learner-fixtures.py
Rows: the first `train_rows` of each file train, the rest test.
"""
import json
import os

import lightgbm as lgb
import numpy as np
import sklearn
from sklearn.datasets import make_classification, make_friedman1
from sklearn.ensemble import IsolationForest, RandomForestClassifier, RandomForestRegressor
from sklearn.metrics import accuracy_score, mean_absolute_error, r2_score, roc_auc_score
from sklearn.tree import DecisionTreeClassifier

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "ModelMathTests", "Fixtures", "learners")
TRAIN = 2000


def write_csv(path, X, y):
    names = [f"f{i}" for i in range(X.shape[1])] + ["label"]
    with open(path, "w") as f:
        f.write(",".join(names) + "\n")
        for row, label in zip(X, y):
            f.write(",".join("nan" if np.isnan(v) else f"{v:.6g}" for v in row) + f",{label:.6g}\n")


def read_back(path):
    # Score on exactly what the CSV holds (6 significant digits), as the Swift tests will.
    data = np.genfromtxt(path, delimiter=",", skip_header=1)
    return data[:, :-1].astype(np.float32).astype(np.float64), data[:, -1]


def pinball(y, p, alpha):
    d = y - p
    return float(np.mean(np.maximum(alpha * d, (alpha - 1) * d)))


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(20261203)
    ref = {"train_rows": TRAIN, "sklearn": sklearn.__version__, "lightgbm": lgb.__version__}

    # Binary classification, 10 features, 5 % NaN in features 0 and 3.
    X, y = make_classification(n_samples=2500, n_features=10, n_informative=6, n_redundant=2,
                               flip_y=0.03, class_sep=1.0, random_state=7)
    for j in (0, 3):
        X[rng.random(len(X)) < 0.05, j] = np.nan
    write_csv(os.path.join(OUT, "classification.csv"), X, y)
    X, y = read_back(os.path.join(OUT, "classification.csv"))
    Xtr, ytr, Xte, yte = X[:TRAIN], y[:TRAIN], X[TRAIN:], y[TRAIN:]
    rf = RandomForestClassifier(n_estimators=100, random_state=0, n_jobs=2).fit(Xtr, ytr)
    tree = DecisionTreeClassifier(max_depth=6, random_state=0).fit(Xtr, ytr)
    gbm = lgb.train({"objective": "binary", "num_leaves": 15, "learning_rate": 0.1, "verbose": -1,
                     "seed": 0, "num_threads": 2}, lgb.Dataset(Xtr, label=ytr), num_boost_round=100)
    p_gbm = gbm.predict(Xte)
    ref["classification"] = {
        "rf_100_accuracy": accuracy_score(yte, rf.predict(Xte)),
        "rf_100_roc_auc": roc_auc_score(yte, rf.predict_proba(Xte)[:, 1]),
        "tree_depth6_accuracy": accuracy_score(yte, tree.predict(Xte)),
        "lgb_100_15leaves_accuracy": accuracy_score(yte, (p_gbm >= 0.5).astype(float)),
        "lgb_100_15leaves_roc_auc": roc_auc_score(yte, p_gbm),
    }

    # Regression: Friedman #1 with noise, 10 features, 5 % NaN in feature 1.
    X, y = make_friedman1(n_samples=2500, n_features=10, noise=1.0, random_state=11)
    X[rng.random(len(X)) < 0.05, 1] = np.nan
    write_csv(os.path.join(OUT, "regression.csv"), X, y)
    X, y = read_back(os.path.join(OUT, "regression.csv"))
    Xtr, ytr, Xte, yte = X[:TRAIN], y[:TRAIN], X[TRAIN:], y[TRAIN:]
    rfr = RandomForestRegressor(n_estimators=100, random_state=0, n_jobs=2).fit(Xtr, ytr)
    base = {"num_leaves": 15, "learning_rate": 0.1, "verbose": -1, "seed": 0, "num_threads": 2}
    l2 = lgb.train(dict(base, objective="regression"), lgb.Dataset(Xtr, label=ytr), 200)
    l1 = lgb.train(dict(base, objective="regression_l1"), lgb.Dataset(Xtr, label=ytr), 200)
    q90 = lgb.train(dict(base, objective="quantile", alpha=0.9), lgb.Dataset(Xtr, label=ytr), 200)
    ref["regression"] = {
        "rf_100_r2": r2_score(yte, rfr.predict(Xte)),
        "lgb_l2_200_r2": r2_score(yte, l2.predict(Xte)),
        "lgb_l1_200_mae": mean_absolute_error(yte, l1.predict(Xte)),
        "lgb_q90_200_pinball": pinball(yte, q90.predict(Xte), 0.9),
        "lgb_q90_200_coverage": float(np.mean(yte <= q90.predict(Xte))),
    }

    # Anomalies: 950 Gaussian inliers, 50 uniform outliers, shuffled; label 1 = outlier.
    inliers = rng.normal(0, 1, size=(950, 6))
    outliers = rng.uniform(-6, 6, size=(50, 6))
    X = np.vstack([inliers, outliers])
    y = np.r_[np.zeros(950), np.ones(50)]
    order = rng.permutation(len(X))
    X, y = X[order], y[order]
    write_csv(os.path.join(OUT, "anomalies.csv"), X, y)
    X, y = read_back(os.path.join(OUT, "anomalies.csv"))
    iso = IsolationForest(n_estimators=100, random_state=0).fit(X)
    ref["anomalies"] = {"iforest_100_roc_auc": roc_auc_score(y, -iso.score_samples(X))}

    with open(os.path.join(OUT, "reference.json"), "w") as f:
        json.dump(ref, f, indent=1, sort_keys=True)
        f.write("\n")
    print(json.dumps(ref, indent=1))


if __name__ == "__main__":
    main()
