"""What the endpoint receives: one CSV line of features per request, and a monitoring baseline with the same columns."""

import numpy as np

from .prepare import without_label


def payload(row):
    """The body of one request: a row of features (a Series, array or list) as ONE CSV line, no line break.

    A frame, or a 2-D array, is refused: serialized whole it becomes several lines, one prediction each.
    """
    values = np.asarray(getattr(row, "values", row))
    if values.ndim != 1 or values.size == 0:
        raise ValueError(f"payload takes one row of features, got shape {values.shape}")
    if not np.issubdtype(values.dtype, np.number):
        raise ValueError(f"payload takes numeric features, got {values.dtype}")
    return ",".join(str(value) for value in values.tolist())


def baseline_csv(part):
    """The monitoring baseline from a prepared part (label in column 0): its features only, as CSV without header.

    These are exactly the columns each request carries: with the label, the baseline would have 24
    columns against the requests' 23, and its statistics would describe columns the traffic lacks.
    """
    return without_label(part).to_csv(header=False, index=False)
