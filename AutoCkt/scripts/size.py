"""Size a circuit for a target: the best design an optimizer or a trained agent finds, as a report, a SPICE subcircuit and its testbench.

    python AutoCkt/scripts/size.py --circuit two_stage_opamp --target gain=250 ugbw=1e7 phm=60 ibias=1e-3 \\
        [--optimizer cma_es | --no-agent | --agent CHECKPOINT [--then-optimizer cma_es]] [--budget 3000] [--seed 0] \\
        [--out DIR] [--server-url URL | --in-process]

By default the circuit's shipped policy (trained, validated and packaged with autockt, for the circuits that
have one) plays a greedy episode first, if --budget leaves room for it, and the optimizer continues from its
design if it misses; `--no-agent` sizes with the optimizer alone. A shipped policy its circuit has outgrown is
refused, naming the command that rebuilds it. `--agent` rolls a checkpoint of train_general.py (or a shipped
policy's .npz) out on the target instead (greedy, then sampled episodes within the budget); with
`--then-optimizer NAME`, that optimizer continues from the agent's design if the agent misses.

A PVT circuit (e.g. ppaas_tsa) is sized for its worst case over `--corners SET` (default: the circuit's own
set), and its design reported at every corner of it: metrics, and each spec met or short.

Writes DIR/design.json, DIR/NAME.sp and DIR/NAME_tb.sp (`ngspice -b NAME_tb.sp` prints the metrics), or for a
PVT circuit DIR/NAME_tb_<corner>.sp per corner (and a .spiceinit where the PDK's models need it), rendered by
the server that simulated (Rpc design_netlist), each naming the model file it used.
Exit codes: 0 the target was reached; 2 a refused request (one line naming the field) or a target not
reached within the budget (the closest design is written and its shortfall per spec printed); 1 every
simulation failed. `--help` lists every flag.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

from autockt.command_line import _add_simulator_flags, _simulator
from autockt.design_files import check_exportable, write_design
from autockt.optimizers import OPTIMIZERS
from autockt.simulator import SimulationFailure
from autockt.sizing import DEFAULT_OPTIMIZER, SizedDesign, SizingConfig, TargetOutsideRange, check_request, size, with_server_hint
from autockt.specs import InputError

REFUSED = 2
NOT_REACHED = 2
FAILED = 1


def parse_target(items: list[str]) -> dict[str, float]:
    """`NAME=VALUE` items as a target; a malformed item is refused naming it."""
    target: dict[str, float] = {}
    for item in items:
        name, sep, text = item.partition("=")
        if not sep or not name:
            raise InputError("target", f"expected NAME=VALUE, got {item!r}")
        if name in target:
            raise InputError(f"target.{name}", "given twice")
        try:
            target[name] = float(text)
        except ValueError:
            raise InputError(f"target.{name}", f"not a number: {text!r}") from None
    return target


def method_flags(optimizer: str | None, agent: Path | None, then_optimizer: str | None) -> str | None:
    """The optimizer that searches (after the agent, if any): `--optimizer` alone, or `--then-optimizer` with `--agent`."""
    if agent is None:
        if then_optimizer is not None:
            raise InputError("then_optimizer", "--then-optimizer continues after an agent: give --agent too")
        return optimizer or DEFAULT_OPTIMIZER
    if optimizer is not None:
        raise InputError("optimizer", "--optimizer and --agent are exclusive: to search after the agent, use --then-optimizer")
    return then_optimizer


def print_specs(design: SizedDesign) -> None:
    """Each spec met or short; a PVT design's are its worst case, followed by each corner's shortfalls."""
    if design.corners:
        print(f"  worst case over the {len(design.corners)} corners of {design.corner_set}:")
    for spec in design.specs:
        print(f"  {spec.describe()}")
    for corner in design.corners:
        short = ", ".join(f"{spec} short by {fraction:.2%}" for spec, fraction in corner.shortfalls.items())
        print(f"  at {corner.name}: {short or 'every spec met'}")


def main(argv: list[str] | None = None) -> int:
    defaults = SizingConfig(circuit="", target={})
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--circuit", required=True, help="the circuit to size (e.g. two_stage_opamp)")
    parser.add_argument("--target", nargs="+", required=True, metavar="SPEC=VALUE", help="one value per spec of the circuit")
    parser.add_argument(
        "--optimizer",
        help=f"one of {', '.join(OPTIMIZERS)} (default: {DEFAULT_OPTIMIZER}, unless --agent); after the circuit's shipped policy, if it has one",
    )
    agent = parser.add_mutually_exclusive_group()
    agent.add_argument("--no-agent", action="store_true", help="do not start from the circuit's shipped policy: the optimizer alone")
    agent.add_argument(
        "--agent", type=Path, help="size with this trained agent: a checkpoint (or experiment directory) or shipped policy of the circuit"
    )
    parser.add_argument(
        "--then-optimizer", metavar="NAME", help="with --agent: this optimizer continues from the agent's design if it misses"
    )
    parser.add_argument(
        "--agent-budget",
        type=int,
        metavar="N",
        help="the agent's share of --budget (default: all of it, or only its greedy episode with --then-optimizer)",
    )
    parser.add_argument(
        "--corners",
        metavar="SET",
        help="a PVT circuit's corner set to size for the worst case over (e.g. ppaas_tsa: ppaas, tt; default: the circuit's)",
    )
    parser.add_argument(
        "--budget",
        type=int,
        default=defaults.budget,
        help="most simulations to spend, a PVT circuit's counted per corner (default: %(default)s)",
    )
    parser.add_argument(
        "--seed", type=int, default=defaults.seed, help="seeds the optimizer and the agent's sampled episodes (default: %(default)s)"
    )
    parser.add_argument("--out", type=Path, help="where to write the design's files (default: ./<circuit>_sized)")
    _add_simulator_flags(parser)
    args = parser.parse_args(argv)
    try:
        config = SizingConfig(
            circuit=args.circuit,
            target=parse_target(args.target),
            optimizer=method_flags(args.optimizer, args.agent, args.then_optimizer),
            agent=args.agent,
            agent_budget=args.agent_budget,
            shipped_agent=not args.no_agent,
            budget=args.budget,
            seed=args.seed,
            simulator=_simulator(args),
            corner_set=args.corners,
        ).resolved()
        notes = check_request(config)
        check_exportable(config.circuit, config.corner_set, config.simulator)
        out = args.out or Path(f"{config.circuit}_sized")
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise InputError("out", f"cannot create {out}: {err.strerror}") from None
    except InputError as err:
        print(f"size.py: refused: {err}", file=sys.stderr)
        return REFUSED
    except SimulationFailure as err:
        print(f"size.py: {with_server_hint(err)}", file=sys.stderr)
        return FAILED
    for note in notes:
        print(f"size.py: warning: {note}", file=sys.stderr)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", TargetOutsideRange)  # printed above, before the search
            design = size(config)
    except SimulationFailure as err:
        print(f"size.py: {err}", file=sys.stderr)
        return FAILED
    try:
        files = write_design(design, out, config.simulator)
    except SimulationFailure as err:
        print(f"size.py: the design's files: {err}", file=sys.stderr)
        return FAILED
    how = f"{config.describe_method()}, {design.simulator}"
    if design.reached:
        print(
            f"{config.circuit}: target reached (shortfalls sum to 2 % or less) at simulation {design.reached_at} of {design.simulations} ({how})"
        )
    else:
        print(f"{config.circuit}: target NOT reached within {design.simulations} simulations ({how}); the closest design:")
    print_specs(design)
    testbench = files.testbenches[0]
    more = f" and {len(files.testbenches) - 1} more testbenches, one per corner" if len(files.testbenches) > 1 else ""
    print(f"wrote {files.design}, {files.subcircuit}, {testbench}{more} (run: cd {testbench.parent} && ngspice -b {testbench.name})")
    print(f"wrote {files.report} (open it in a browser: the metrics at each corner, the waveforms, the sizing's trajectory)")
    return 0 if design.reached else NOT_REACHED


if __name__ == "__main__":
    sys.exit(main())
