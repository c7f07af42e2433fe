"""Fast, forgiving parsing of text columns (numbers) shared by the readers and validation."""

from __future__ import annotations

import unicodedata

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def parse_numbers(values: pd.Series) -> np.ndarray:
    """Text to float (NaN where not a number); full-width digits and 1,234 separators accepted.

    Clean columns take Arrow's cast (fast); a column with any odd value falls back to a
    value-by-value parse.
    """
    if pd.api.types.is_numeric_dtype(values):
        return values.to_numpy(dtype=float, na_value=np.nan)
    try:
        cast = pc.cast(pa.array(values, type=pa.string(), from_pandas=True), pa.float64())
        return cast.to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    odd = ~values.str.isascii().fillna(True)
    normalized = values.copy()
    normalized[odd] = values[odd].map(lambda v: unicodedata.normalize("NFKC", v))
    normalized = normalized.str.replace(",", "", regex=False)
    return pd.to_numeric(normalized, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
