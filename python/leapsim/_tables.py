"""Tables from the native module's columns: numbers arrive as little-endian buffers, text
columns as dictionary codes with their values. They become an Arrow table (no text is parsed),
then a pandas or polars DataFrame."""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np
import pandas as pd
import pyarrow as pa

_TYPES = {"year": "<i4", "month": "<i4"}


def arrow(cols: Mapping[str, Any], names: list[str]) -> pa.Table:
    """The Arrow table of columns ``names`` (in that order) of ``cols``."""
    arrays = []
    for name in names:
        values = f"{name}_values"
        if values in cols:
            codes = pa.array(np.frombuffer(cols[name], "<i4"))
            arrays.append(pa.DictionaryArray.from_arrays(codes, pa.array(cols[values], pa.string())))
        else:
            arrays.append(pa.array(np.frombuffer(cols[name], _TYPES.get(name, "<f8"))))
    return pa.table(arrays, names=names)


def pandas(table: pa.Table) -> pd.DataFrame:
    """``table`` as pandas: text columns as categoricals, numbers as numpy columns."""
    frame: pd.DataFrame = table.to_pandas()
    return frame
