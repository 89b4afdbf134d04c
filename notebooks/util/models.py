"""Model artifacts: download from the project model bucket, unpack, and show what the model learned."""

import os
import tarfile
import tempfile

import boto3


def download_model(s3_uri, s3=None):
    """Downloads and unpacks a SageMaker model.tar.gz; returns the folder it was unpacked into."""
    if not s3_uri.startswith("s3://"):
        raise ValueError(f"not an S3 URI: {s3_uri}")
    bucket, _, key = s3_uri[len("s3://"):].partition("/")
    folder = tempfile.mkdtemp(prefix="model-")
    archive = os.path.join(folder, "model.tar.gz")
    (s3 or boto3.client("s3")).download_file(bucket, key, archive)
    with tarfile.open(archive) as tar:
        if hasattr(tarfile, "data_filter"):
            tar.extractall(folder, filter="data")
        else:  # older Pythons: refuse members that would escape the folder
            root = os.path.realpath(folder)
            for member in tar.getmembers():
                target = os.path.realpath(os.path.join(folder, member.name))
                if not target.startswith(root + os.sep) or member.issym() or member.islnk():
                    raise ValueError(f"unsafe path in model archive: {member.name}")
            tar.extractall(folder)
    return folder


def feature_importance(booster, feature_names, importance_type="gain"):
    """Importance per named feature (XGBoost names features f0, f1, ... when trained from CSV)."""
    scores = booster.get_score(importance_type=importance_type)
    named = {feature_names[int(k[1:])] if k.startswith("f") and k[1:].isdigit() else k: v for k, v in scores.items()}
    return dict(sorted(named.items(), key=lambda item: item[1], reverse=True))


def plot_feature_importance(importance, top=15, ax=None):
    """Horizontal bar chart of the most important features."""
    import matplotlib.pyplot as plt

    items = list(importance.items())[:top][::-1]
    ax = ax or plt.subplots(figsize=(8, 0.4 * len(items) + 1))[1]
    ax.barh([k for k, _ in items], [v for _, v in items])
    ax.set_xlabel("importance (gain)")
    ax.set_title("What the model relies on")
    return ax
