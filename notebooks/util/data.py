"""The UCI "default of credit card clients" schema, read from the project data bucket or synthesized.

The notebooks run without internet: they never download the public data set. If a copy was staged in
the project's data bucket (key ``DATASET_KEY``), it is used; otherwise a synthetic data set with the
same columns and plausible distributions is generated, so every step can still be demonstrated.
"""

import io

import numpy as np
import pandas as pd

DATASET_KEY = "datasets/credit-card-default/default_of_credit_card_clients.csv"
TARGET = "default"
PAY_COLUMNS = ["PAY_0", "PAY_2", "PAY_3", "PAY_4", "PAY_5", "PAY_6"]
BILL_COLUMNS = [f"BILL_AMT{i}" for i in range(1, 7)]
PAYMENT_COLUMNS = [f"PAY_AMT{i}" for i in range(1, 7)]
FEATURES = ["LIMIT_BAL", "SEX", "EDUCATION", "MARRIAGE", "AGE", *PAY_COLUMNS, *BILL_COLUMNS, *PAYMENT_COLUMNS]


def synthetic_credit_default(rows=30000, seed=42):
    """A synthetic data set with the UCI credit-card default schema (not real customers)."""
    rng = np.random.default_rng(seed)
    limit = rng.choice(np.arange(10000, 800001, 10000), size=rows)
    data = {
        "LIMIT_BAL": limit,
        "SEX": rng.choice([1, 2], size=rows, p=[0.4, 0.6]),
        "EDUCATION": rng.choice([1, 2, 3, 4], size=rows, p=[0.35, 0.47, 0.16, 0.02]),
        "MARRIAGE": rng.choice([1, 2, 3], size=rows, p=[0.45, 0.53, 0.02]),
        "AGE": rng.integers(21, 76, size=rows),
    }
    delay = rng.choice([-2, -1, 0, 1, 2, 3], size=(rows, 6), p=[0.12, 0.18, 0.5, 0.1, 0.08, 0.02])
    for i, column in enumerate(PAY_COLUMNS):
        data[column] = delay[:, i]
    usage = rng.uniform(0, 1, size=(rows, 6))
    for i, column in enumerate(BILL_COLUMNS):
        data[column] = np.round(limit * usage[:, i]).astype(int)
    for i, column in enumerate(PAYMENT_COLUMNS):
        data[column] = np.round(data[BILL_COLUMNS[i]] * rng.uniform(0, 0.5, size=rows)).astype(int)
    frame = pd.DataFrame(data)
    # Default risk grows with payment delays and credit usage, as in the real data.
    score = 0.6 * delay.clip(min=0).mean(axis=1) + 1.5 * usage.mean(axis=1) - 1.8 + rng.normal(0, 0.5, size=rows)
    frame[TARGET] = (score > 0).astype(int)
    return frame


def _s3_client():
    import boto3  # here, not at the top: the functions that take no client run without boto3

    return boto3.client("s3")


def load_credit_default(bucket, s3=None):
    """Returns (data frame, source): the staged copy in the project bucket when present, else synthetic data."""
    s3 = s3 or _s3_client()
    try:
        body = s3.get_object(Bucket=bucket, Key=DATASET_KEY)["Body"].read()
    except s3.exceptions.NoSuchKey:
        return synthetic_credit_default(), "synthetic (no staged copy in the project data bucket)"
    frame = pd.read_csv(io.BytesIO(body), header=1 if body.startswith(b",X1") else 0)
    frame = frame.rename(columns={"default payment next month": TARGET})
    return frame[FEATURES + [TARGET]], f"s3://{bucket}/{DATASET_KEY}"


def read_prepared(s3_uri, s3=None):
    """A prepared CSV part (no header, label in column 0) from S3, as a frame with columns 0, 1, ...

    Read through boto3 like everything else here: pandas reads s3:// paths only with s3fs installed.
    """
    if not s3_uri.startswith("s3://"):
        raise ValueError(f"not an S3 URI: {s3_uri}")
    bucket, _, key = s3_uri[len("s3://"):].partition("/")
    body = (s3 or _s3_client()).get_object(Bucket=bucket, Key=key)["Body"].read()
    return pd.read_csv(io.BytesIO(body), header=None)
