"""Validate a trained AutoCkt policy on unseen targets.

    python AutoCkt/scripts/validate.py ~/ray_results/autockt_two_stage_opamp [--n-specs 1000] [--traj-len 30]

Takes a checkpoint or an experiment directory (its latest checkpoint); needs a running
circuit server (THE_SERVER_URL in .env, or --server-url) unless --in-process. Shows the targets done while
it rolls out; writes results.json, reached.png and the experiment's learning_curve.png (this report's point
included) to the report directory it prints. `--help` lists every flag.
"""

from autockt.command_line import validate_from_command_line

if __name__ == "__main__":
    validate_from_command_line()
