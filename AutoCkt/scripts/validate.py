"""Validate a trained AutoCkt policy on unseen targets.

    python AutoCkt/scripts/validate.py ~/ray_results/autockt_two_stage_opamp [--n-specs 1000 | --targets FILE] [--traj-len 30]

Takes a checkpoint or an experiment directory (its latest checkpoint); needs a running
circuit server (THE_SERVER_URL in .env, or --server-url) unless --in-process. Shows the targets done while
it rolls out; writes results.json, reached.png and the experiment's learning_curve.png (this report's point
included) to the report directory it prints. `--help` lists every flag.

A PVT circuit's policy is validated at the corner set it trained at, or at `--corners SET` (`ppaas` checks a policy
trained at `tt` at every corner; an unknown set is refused naming `corner_set`, exit code 2).

`--targets FILE` validates on the targets in FILE instead, a JSON list of {spec name: value} (the format of
the run's training_targets.json "targets"): an unknown or missing spec or a value that is not a finite
number is refused before anything is simulated, in one line naming it (`targets[2].gain`), with exit code 2.
"""

from autockt.command_line import validate_from_command_line

if __name__ == "__main__":
    validate_from_command_line()
