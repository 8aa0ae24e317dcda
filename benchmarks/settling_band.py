"""What PPAAS's TSA t_settle range means for a settling band of 1 % of the step.

    python benchmarks/settling_band.py [--designs 400] [--workers 2] [--seed 0]

PPAAS times the TSA follower's settling into a band of 1 % of the output's level (about 16 mV
at 1.65 V); this project's testbench settles into 1 % of the 0.4 V step (4 mV), what a designer
means by 1 % settling (`autockt_ckt.ppaas_opamp_bench`). The narrower band makes the same
design settle later, so PPAAS's range (2-10 us) asks more of a design here than PPAAS asked.
This script measures by how much, in-process: it simulates designs at gf180mcu's 17 corners,
times each design's worst-case settling in both bands from the same transient, and maps each
end of PPAAS's range through the two distributions (the step-band time that the same share of
designs meets as meets PPAAS's bound in its own band). Designs are the reset point's sizes
scaled by log-normal factors (most uniform draws do not settle at all 17 corners); only designs
that settle at every corner in both bands and keep a phase margin of at least `--min-phm` at
every corner count, so the map is drawn from designs near the specs' region.
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import tempfile
from pathlib import Path

import numpy as np

from autockt_ckt import ppaas_opamp_bench as bench
from autockt_ckt.circuits.ppaas_tsa import INITIAL, STEP, TSA
from autockt_ckt.libngspice_engine import LibngspiceEngine
from autockt_ckt.waveforms import settling_time
from autockt_shared.circuits.ppaas_tsa import PPAAS_TSA

PPAAS_RANGE_S = (2e-6, 1e-5)
BANDS = ("step", "level")


def worst_settling(values: dict[str, float]) -> tuple[dict[str, float], float] | None:
    """The design's worst-case settling time over the 17 corners in each band, and its worst phase
    margin; None when it fails to simulate or does not settle in some window."""
    engine = LibngspiceEngine(run_dir=Path(tempfile.mkdtemp(prefix="settling-band-")), timeout_s=None)
    worst = dict.fromkeys(BANDS, 0.0)
    phm = float("inf")
    try:
        for corner in TSA.corners("ppaas"):
            result = TSA.run_at(engine, corner, values)
            phm = min(phm, TSA.metrics(result, corner).phm)
            tran = result.tran("tran")
            for edge, end in bench.SETTLING_WINDOWS:
                inside = tran.time <= end
                t, v = tran.time[inside], tran.values[f"v({bench.OUT_FB})"][inside]
                for band_of in BANDS:
                    band = bench.SETTLE_FRACTION * (2 * STEP if band_of == "step" else abs(float(v[-1])))
                    settled = settling_time(t, v, edge, float(v[-1]), band)
                    if settled is None:
                        return None
                    worst[band_of] = max(worst[band_of], settled)
    except Exception:  # a design that fails to simulate is simply not in the sample
        return None
    return worst, phm


def designs(n: int, seed: int) -> list[dict[str, float]]:
    """The reset point's sizes, each scaled by exp(N(0, 0.7)) and put on its grid."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        values = {}
        for p in PPAAS_TSA.params:
            scaled = INITIAL[p.name] * float(np.exp(rng.gauss(0.0, 0.7)))
            values[p.name] = p.value_at(p.index_of(min(max(scaled, p.range.lo), p.range.hi)))
        out.append(values)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--designs", type=int, default=400)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--min-phm", type=float, default=45.0, help="degrees, at every corner")
    args = parser.parse_args()
    with multiprocessing.get_context("spawn").Pool(args.workers) as pool:
        results = pool.map(worst_settling, designs(args.designs, args.seed), chunksize=1)
    kept = [worst for r in results if r is not None for worst, phm in [r] if phm >= args.min_phm]
    print(f"{len(kept)} of {args.designs} designs settle at all 17 corners with phm >= {args.min_phm} deg at each")
    step = np.array([w["step"] for w in kept])
    level = np.array([w["level"] for w in kept])
    print(
        f"worst-case settling, median: {np.median(level) * 1e6:.2f} us in PPAAS's band, {np.median(step) * 1e6:.2f} us in 1 % of the step"
    )
    print(
        f"ratio step band / level band per design: median {np.median(step / level):.2f}, p10-p90 "
        f"{np.percentile(step / level, 10):.2f}-{np.percentile(step / level, 90):.2f}"
    )
    for bound in PPAAS_RANGE_S:
        share = float(np.mean(level <= bound))
        mapped = float(np.quantile(step, share)) if share > 0 else float("nan")
        print(
            f"PPAAS's {bound * 1e6:.0f} us: met by {share:.1%} of these designs in its band; the same share meets "
            f"{mapped * 1e6:.2f} us in 1 % of the step"
        )


if __name__ == "__main__":
    main()
