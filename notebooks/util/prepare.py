"""Data preparation for SageMaker's built-in XGBoost: the train/validation/test split and its CSV layout.

The built-in XGBoost algorithm reads CSV with the label in column 0 and no header row. This file is
also the Processing job's script: notebook 01 writes it out as ``preprocess.py`` (``write_script``),
and the job runs it alone, in the SageMaker scikit-learn container (pandas and scikit-learn only, an
older pandas than the notebook's): it imports nothing else from ``util``.
"""

import os
import shutil
import sys

import pandas as pd
from sklearn.model_selection import train_test_split

TARGET = "default"  # util.data.TARGET, repeated here because the Processing job runs this file alone
PARTS = ("train", "validation", "test")
PROCESSING_ROOT = "/opt/ml/processing"


def xgboost_layout(frame, target=TARGET):
    """The label in column 0, then the features, each standardized to mean 0 and standard deviation 1."""
    features = frame.drop(columns=[target])
    spread = features.std().replace(0, 1)  # a constant column stays 0 instead of becoming NaN
    return pd.concat([frame[target], (features - features.mean()) / spread], axis=1)


def split(frame, target=TARGET, holdout=0.3, seed=0):
    """The data frame in the XGBoost layout, split into {"train", "validation", "test"}.

    ``holdout`` of the rows go to validation and test, half each; both splits are stratified by the
    label, so every part keeps the whole's share of defaults. Every row lands in exactly one part.
    """
    data = xgboost_layout(frame, target)
    train, rest = train_test_split(data, test_size=holdout, random_state=seed, stratify=data[target])
    validation, test = train_test_split(rest, test_size=0.5, random_state=seed, stratify=rest[target])
    return {"train": train, "validation": validation, "test": test}


def without_label(part):
    """The feature columns of a part in the XGBoost layout: everything but column 0."""
    return part.iloc[:, 1:]


def to_csv(part):
    """The CSV text the built-in XGBoost reads: no header, no index, the label first."""
    return part.to_csv(header=False, index=False)


def write_parts(parts, root=PROCESSING_ROOT):
    """Writes each part to ``<root>/<name>/<name>.csv`` (the Processing job's output folders)."""
    for name, part in parts.items():
        folder = os.path.join(root, name)
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, f"{name}.csv"), "w") as file:
            file.write(to_csv(part))


def write_script(path="preprocess.py"):
    """Writes this file as the Processing job's script (the ``code`` of ``processor.run``)."""
    shutil.copyfile(os.path.abspath(__file__), path)
    return path


def main(root=PROCESSING_ROOT):
    """The Processing job: ``<root>/input/credit.csv`` (with a header) in, the three parts out."""
    frame = pd.read_csv(os.path.join(root, "input", "credit.csv"))
    write_parts(split(frame), root)


if __name__ == "__main__":
    main(*sys.argv[1:2])
