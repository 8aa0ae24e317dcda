"""Train an AutoCkt agent on a circuit chosen by flag (two-stage op-amp by default).

    python AutoCkt/scripts/start_server.py          # in one terminal
    python AutoCkt/scripts/train_general.py [--circuit folded_cascode] [--max-env-steps N]
    tensorboard --logdir ~/ray_results             # to watch

The server URL and token come from THE_SERVER_URL / DISCOVERY_AUTH_TOKEN (.env); `--help` lists every flag.
"""

from autockt.command_line import train_from_command_line

if __name__ == "__main__":
    train_from_command_line()
