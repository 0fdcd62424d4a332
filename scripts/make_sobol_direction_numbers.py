"""One-off: write jaxtorch/_sobol_direction_numbers.py, the data behind torch.quasirandom.SobolEngine.

    python scripts/make_sobol_direction_numbers.py          # needs scipy (a JAX dependency); torch to verify

Source: the direction numbers of S. Joe and F. Y. Kuo, "Constructing Sobol sequences with better two-dimensional
projections", SIAM J. Sci. Comput. 30 (2008) 2635-2654, table new-joe-kuo-6.21201 (search criterion D(6)),
https://web.maths.unsw.edu.au/~fkuo/sobol/ - the table PyTorch's SobolEngine uses. We read the copy SciPy ships
(scipy/stats/_sobol_direction_numbers.npz: for each dimension the primitive polynomial with its leading and
constant terms as an integer, and the initial direction integers m_1..m_s).

Only the dimensions whose polynomial has degree <= 13 are written: the first 1111, enough for common uses and
small enough to keep in the package (about 50 kB). Dimension 0 has no polynomial (all m_k = 1).

If torch is installed, the script checks that the unscrambled points jaxtorch computes from the written data equal
torch's for every dimension written (torch is used only here and in tests, never by the library).
"""

from __future__ import annotations

import os

import numpy as np
import scipy.stats

MAX_DEGREE = 13
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "jaxtorch", "_sobol_direction_numbers.py")

HEADER = '''"""Sobol direction-number data for torch.quasirandom.SobolEngine (generated; do not edit).

Written by scripts/make_sobol_direction_numbers.py from Joe & Kuo's table new-joe-kuo-6.21201 (see that script).
One line per dimension from the second on: the primitive polynomial (an integer whose bits are its coefficients,
leading and constant terms included), then the initial direction integers m_1 .. m_s (s = the degree).
"""

MAX_DIMENSION = {max_dim}

TABLE = """
{lines}
"""
'''


def main() -> None:
    path = os.path.join(os.path.dirname(scipy.stats.__file__), "_sobol_direction_numbers.npz")
    data = np.load(path)
    poly, vinit = data["poly"], data["vinit"]
    degree = np.array([int(p).bit_length() - 1 for p in poly])
    n = int(np.argmax(degree > MAX_DEGREE))  # first dimension beyond the limit
    assert (degree[:n] <= MAX_DEGREE).all() and poly[0] == 1
    lines = []
    for d in range(1, n):
        s = degree[d]
        lines.append(" ".join(str(int(x)) for x in (poly[d], *vinit[d, :s])))
    with open(OUT, "w") as f:
        f.write(HEADER.format(max_dim=n, lines="\n".join(lines)))
    print(f"wrote {n} dimensions to {os.path.normpath(OUT)} ({os.path.getsize(OUT)} bytes)")
    verify(n)


def verify(n: int) -> None:
    try:
        import torch
    except ImportError:
        print("torch not installed: not verified")
        return
    import importlib

    import jaxtorch._sobol_direction_numbers as table
    import jaxtorch.quasirandom as ours

    importlib.reload(table)
    ours._direction_numbers.cache_clear()
    theirs = torch.quasirandom.SobolEngine(n).sobolstate.numpy()
    mine = ours._direction_numbers(n)
    assert np.array_equal(theirs, mine), "direction numbers differ from torch's"
    print(f"verified: direction numbers of all {n} dimensions equal torch's")


if __name__ == "__main__":
    main()
