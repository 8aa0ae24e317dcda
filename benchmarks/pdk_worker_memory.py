"""Each worker's memory with every PDK circuit loaded, and its growth over 20,000 corner evaluations: flat.

    python benchmarks/pdk_worker_memory.py [--pdk gf180mcu sky130] [--evals 20000] [--windows 10] [--batch 8] [--workers N]

A worker of a server started for an open PDK holds libngspice with every PVT circuit's bench
of every process section, and is asked for corner after corner of them, each a fresh design and
often another circuit or section than its last job. The target for that memory: its size with
every circuit loaded, and over 20,000 evaluations, flat. For each `--pdk`, a server as an
operator starts it (`start_server.py --pdk P`, `--workers` workers, default one per core, the
result cache off so that every call simulates). Its PVT circuits, the served circuits that name
the PDK (gf180mcu: ppaas_tsa, ppaas_cma, ppaas_comp; sky130: ppaas_ldo, two_stage_opamp_sky130),
are evaluated once each at their full corner set (17 corners on gf180mcu, 9 on sky130): every
worker has then run every circuit, and the RSS of every server process is printed ("with every
PDK circuit loaded"). Then `--evals` corner evaluations: batch calls of `--batch` random designs
(seeded, from each circuit's parameter grid) at the full corner set (8 designs x 17 corners = 136
evaluations, as counted by the answers' `simulations`), the circuits taking turns call by call;
after each of `--windows` windows, every process's RSS (the API process, the pool's fork
server and resource tracker, the workers), and at the end each one's growth from the first window
to the last: the first window takes up what the first designs of every circuit allocate once, so
what grows after it is a leak. Its rate per evaluation extrapolates a short run. The workers' CPU
per evaluation tells what the run takes on idle cores, whatever else the machine runs meanwhile.

The pool recycles a worker whose peak memory grew 64 MiB (a new pid takes its place): that means
growth happened, so a replaced worker is reported, with the pool's reasons from `/metrics`
(`autockt_sim_workers_replaced_total`), and fails the run. Exits 1 if a worker grew more than
`--max-growth-mb` (5 MB, as `serving.py`) or was replaced. Not part of the test suite: 20,000
evaluations run for a quarter of an hour to an hour per PDK on two idle cores (sky130's LDO is
the slowest circuit), longer on a busy machine, where the server may not start at all (its pool
waits 120 s for its workers to warm: run it niced beside work of a higher priority and it may not).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import random
import sys
import time
from typing import Any

import httpx
import psutil
from autockt_server import autockt_server
from prometheus_client.parser import text_string_to_metric_families
from serving import rss_mb, server_processes

import discovery_client as dc
from autockt_ckt.served import served_circuits
from autockt_ckt.settings import machine_cores
from autockt_ckt.worker import PROCESS_NAME
from autockt_shared.optimization import CircuitOptimization

REPLACED = "autockt_sim_workers_replaced"


@dataclasses.dataclass(frozen=True)
class Reading:
    """The server's processes after `evals` corner evaluations, `seconds` into the run, and the CPU
    seconds its workers have spent (to tell what the run would take on idle cores)."""

    evals: int
    seconds: float
    rss_mb: dict[int, float]
    names: dict[int, str]
    worker_cpu_s: float

    @property
    def workers(self) -> set[int]:
        return {pid for pid, name in self.names.items() if name == PROCESS_NAME}


def read(api_pid: int, evals: int, started: float) -> Reading:
    names = server_processes(api_pid)
    rss = {pid: mb for pid in names if (mb := rss_mb(pid)) is not None}
    cpu = 0.0
    for pid in rss:
        if names[pid] == PROCESS_NAME:
            with contextlib.suppress(psutil.NoSuchProcess):  # a worker being replaced (reported by pid)
                cpu += sum(psutil.Process(pid).cpu_times()[:2])
    return Reading(evals, time.perf_counter() - started, rss, {pid: names[pid] for pid in rss}, cpu)


def pdk_circuits(pdk: str) -> list[CircuitOptimization[Any, Any]]:
    """The PVT circuits of `pdk`: the served circuits whose benches load it."""
    return [circuit.optimization for circuit in served_circuits().values() if circuit.pdk == pdk]


def evaluate(client: dc.Client, circuit: CircuitOptimization[Any, Any], designs: list[dict[str, float]]) -> tuple[int, int]:
    """(corner evaluations the server ran, designs that failed) of one batch call at the full corner set."""
    result = client.call_batch(circuit.sim, [circuit.make_input(design) for design in designs])
    return sum(item.value.simulations for item in result if item.ok), len(result.failures)


def replacements(url: str) -> dict[str, float]:
    """Workers the pool replaced so far, by reason (`/metrics`)."""
    response = httpx.get(f"{url}/metrics", timeout=10)
    response.raise_for_status()
    return {
        sample.labels["reason"]: sample.value
        for family in text_string_to_metric_families(response.text)
        if family.name == REPLACED
        for sample in family.samples
        if sample.name.endswith("_total") and sample.value
    }


def cells(reading: Reading) -> str:
    return "  ".join(f"{reading.names[pid]}[{pid}] {mb:.1f}" for pid, mb in sorted(reading.rss_mb.items()))


def soak(url: str, api_pid: int, circuits: list[CircuitOptimization[Any, Any]], args: argparse.Namespace) -> list[Reading]:
    """The warm reading, then one per window of `args.evals` corner evaluations, each printed as it is taken."""
    rng = random.Random(args.seed)
    started = time.perf_counter()
    failed = 0
    with dc.Client(dc.Config(server_url=url, timeout=600)) as client:
        corners = {}
        for circuit in circuits:
            corners[circuit.name], failures = evaluate(client, circuit, [circuit.sample_values(rng)])
            failed += failures
        readings = [read(api_pid, 0, started)]
        print(f"  warm, every circuit once at {corners} corners ({readings[0].seconds:.0f} s): {cells(readings[0])}", flush=True)
        done, turn = 0, 0
        for window in range(1, args.windows + 1):
            until = args.evals * window // args.windows
            while done < until:
                circuit = circuits[turn % len(circuits)]
                turn += 1
                designs = min(args.batch, -(-(until - done) // max(corners[circuit.name], 1)))
                evals, failures = evaluate(client, circuit, [circuit.sample_values(rng) for _ in range(designs)])
                done, failed = done + evals + failures * corners[circuit.name], failed + failures
            readings.append(read(api_pid, done, started))
            new = readings[-1].workers - readings[0].workers
            note = f"  REPLACED workers, new pids: {sorted(new)}" if new else ""
            print(f"  {done:>7} evals {readings[-1].seconds:>6.0f} s  {cells(readings[-1])}{note}", flush=True)
    if failed:
        print(f"  {failed} designs failed (counted as their full corner set)")
    return readings


def report(pdk: str, url: str, readings: list[Reading], max_growth_mb: float) -> bool:
    """Print each process's memory at warm, first and last window and its growth; whether the run passes."""
    warm, first, last = readings[0], readings[1], readings[-1]
    evals, seconds = last.evals - warm.evals, last.seconds - warm.seconds
    cpu_ms = 1e3 * (last.worker_cpu_s - warm.worker_cpu_s) / evals
    print(
        f"{pdk}: {evals} corner evaluations in {seconds:.0f} s ({evals / seconds:.1f}/s); the workers' CPU: "
        f"{cpu_ms:.0f} ms per evaluation, so {cpu_ms / len(warm.workers):.0f} s per 1,000 on {len(warm.workers)} idle cores"
    )
    print(
        "  RSS (MB) with every circuit loaded, "
        f"after the first window ({first.evals}) and the last, growth from the first (and its rate, to extrapolate a short run):"
    )
    passed = True
    for pid in sorted(warm.rss_mb):
        name = warm.names[pid]
        if pid not in last.rss_mb:
            print(f"  {name:<20}[{pid}] {warm.rss_mb[pid]:8.1f}  gone: replaced")
            passed &= name != PROCESS_NAME
            continue
        growth = last.rss_mb[pid] - first.rss_mb[pid]
        grown = name == PROCESS_NAME and growth > max_growth_mb
        passed &= not grown
        mbs = f"{warm.rss_mb[pid]:8.1f} {first.rss_mb[pid]:8.1f} {last.rss_mb[pid]:8.1f}"
        rate = growth * 2**10 / max(last.evals - first.evals, 1)
        print(f"  {name:<20}[{pid}] {mbs}  {growth:+6.1f} ({rate:+.2f} KB per evaluation){'  GREW' if grown else ''}")
    replaced = replacements(url)
    if replaced:
        print(f"  the pool replaced workers: {replaced}")
        passed = False
    return passed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.strip().split("\n")[0] if __doc__ else None)
    parser.add_argument("--pdk", nargs="+", default=["gf180mcu", "sky130"], choices=["gf180mcu", "sky130"])
    parser.add_argument("--evals", type=int, default=20_000, help="corner evaluations after the warm-up, per PDK")
    parser.add_argument("--windows", type=int, default=10, help="readings of every process's memory over the evaluations")
    parser.add_argument("--batch", type=int, default=8, help="designs per batch call, each at the full corner set")
    parser.add_argument("--workers", type=int, default=machine_cores(), help="the server's simulator workers (default: cores)")
    parser.add_argument("--max-growth-mb", type=float, default=5.0, help="a worker's growth that fails the run")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.windows < 2:
        parser.error("--windows: at least 2 (growth is read from the first window to the last)")
    passed = True
    for pdk in args.pdk:
        circuits = pdk_circuits(pdk)
        print(f"{pdk}: {args.workers} workers, circuits {', '.join(c.name for c in circuits)}", flush=True)
        flags = ("--pdk", pdk, "--sim-workers", str(args.workers), "--result-cache-size", "0")
        with autockt_server(*flags, startup_timeout=600) as server:
            readings = soak(server.url, server.pid, circuits, args)
            passed &= report(pdk, server.url, readings, args.max_growth_mb)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
