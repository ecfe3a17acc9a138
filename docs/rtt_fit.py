"""Refit the RTT estimator on the shipped measured RTTs and print its error by distance band.

Run ``python docs/rtt_fit.py``: it fits the four parameters of
:mod:`infranet.algorithms.estimate` to ``infranet/data/rtt_measured.csv`` (least mean absolute
percentage error), cross-validates them (5 folds of places held out), and prints the
parameters (to copy into ``infranet/data/figures.csv``, rows ``rtt_*``, their one home) and the
error table of ``docs/rtt.md``, which the tests check against the stored figures.
"""

from __future__ import annotations

from infranet.algorithms.estimate import Calibration, fit, parameters


def table(calibration: Calibration) -> str:
    """The error table of docs/rtt.md, in markdown."""
    lines = ["| great circle (km) | pairs | estimator | cross-validated | flat x1.3 | "
             "median signed error |",
             "|---|---|---|---|---|---|"]
    for band, row in calibration.bands.items():
        lines.append(f"| {band} | {row['pairs']} | {row['mape']:.1%} | {row['cv_mape']:.1%} "
                     f"| {row['flat_mape']:.1%} | {row['median_error']:+.1%} |")
    long = sum(row["pairs"] for band, row in calibration.bands.items()
               if float(band.split("-")[0]) >= 3000)
    lines.append(f"| over 3000 | {long} | {calibration.mape_long:.1%} "
                 f"| {calibration.cv_mape_long:.1%} | {calibration.flat_mape_long:.1%} | |")
    return "\n".join(lines)


def stored() -> Calibration:
    """The error of the stored figures, with the cross-validation of a refit."""
    return fit(params=parameters(), folds=5)


if __name__ == "__main__":
    refit = fit(folds=5)
    print("fitted:", refit.params.to_dict())
    print("stored:", parameters().to_dict())
    print(refit.summary)
    print()
    print(table(stored()))
