"""Rounding of numbers after GB/T 8170-2008 (数值修约规则), as HJ 633-2026 requires for
concentrations before they are scored.

GB/T 8170-2008's 进舍规则 (3.3.1–3.3.5), rounding to a given number of decimals:

1. the leftmost digit to be dropped is below 5: drop it (12.1498 → 12.1);
2. it is above 5: add one to the last digit kept (1268 → 13×10² at hundreds, 5.16 → 5.2);
3. it is 5 and a non-zero digit follows it: add one (10.5002 → 11);
4. it is 5 with nothing or only zeros after it: add one when the last digit kept is odd, keep
   it when it is even (1.050 → 1.0, 0.35 → 0.4, 2500 → 2×10³ at thousands);
5. a negative number is rounded by its absolute value, then given its sign (−0.0365 → −0.036).

That is "round half to even" on the number *as written in decimal*. A float holds 0.05 as
0.05000000000000000277…, so rounding its binary value would apply rule 3 where the standard
applies rule 4; each value is therefore rounded from its shortest decimal representation (the
digits Python's ``repr`` gives, which read back to the same float) with `decimal.Decimal` and
ROUND_HALF_EVEN. Rounding in several steps is not allowed (不允许连续修约): a value is rounded
once, from what was measured or computed.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

import numpy as np

#: a value whose scaled fractional part lies this close to one half may be a tie as written;
#: it is decided from its decimal digits (anything farther is decided the same either way)
_NEAR_HALF = 1e-6


def _decimal_round(values: np.ndarray, decimals: int) -> np.ndarray:
    """Each value rounded from its shortest decimal representation, ROUND_HALF_EVEN."""
    unique, inverse = np.unique(values, return_inverse=True)
    quantum = Decimal(1).scaleb(-int(decimals))
    rounded = np.array([float(Decimal(repr(float(v))).quantize(quantum, rounding=ROUND_HALF_EVEN))
                        for v in unique])
    return rounded[inverse]


def gbt8170(values, decimals: int) -> np.ndarray:
    """`values` (array-like of floats, NaN kept) rounded to `decimals` places per GB/T 8170.

    Fast and exact: a value that is not within 1e-6 (of the last place kept) of a tie is rounded
    by its binary value — which cannot round it the other way — and the few near a tie from
    their decimal digits."""
    array = np.asarray(values, dtype=float)
    out = np.full(array.shape, np.nan)
    finite = np.isfinite(array)
    if not finite.any():
        return out
    with np.errstate(invalid="ignore", over="ignore"):
        scaled = array * 10.0 ** int(decimals)
        near = finite & (np.abs(scaled - np.floor(scaled) - 0.5) < _NEAR_HALF)
    plain = finite & ~near
    out[plain] = np.round(array[plain], int(decimals))
    if near.any():
        out[near] = _decimal_round(array[near], decimals)
    return out


def round_value(value: float, decimals: int) -> float:
    """One value rounded per GB/T 8170 (see `gbt8170`)."""
    return float(gbt8170([value], decimals)[0])
