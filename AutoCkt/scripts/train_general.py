"""Train an AutoCkt agent on a circuit chosen by flag (two-stage op-amp by default): RLlib PPO, SAC + HER on SB3, or the model-based agent (--algo).

    python AutoCkt/scripts/start_server.py          # in one terminal
    python AutoCkt/scripts/train_general.py [--circuit folded_cascode] [--max-env-steps N] [--algo sac_her|model_based] [--corners tt]
    tensorboard --logdir ~/ray_results             # to watch

It shows a progress line while it trains (env steps, training reach rate, mean return, simulations per
second, time left), then validates the final checkpoint on unseen targets (`--validate N`, 0 to skip) and
ends with a summary: reached targets, env steps, wall clock, where the checkpoint, the TensorBoard logs and
the plots (learning_curve.png, reached.png) are. Ray's and RLlib's own chatter is filtered; `--verbose` shows it.
A PVT circuit trains at its own corner set, or at `--corners SET` (`tt`, the typical corner alone, for a fast
start; an unknown set is refused naming `corner_set`, exit code 2).
The server URL and token come from THE_SERVER_URL / DISCOVERY_AUTH_TOKEN (.env); `--help` lists every flag.
"""

from autockt.command_line import train_from_command_line

if __name__ == "__main__":
    train_from_command_line()
