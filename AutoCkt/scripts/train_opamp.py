"""Train an AutoCkt agent on the two-stage op-amp benchmark (Settaluri et al. 2020).

    python AutoCkt/scripts/start_server.py          # in one terminal
    python AutoCkt/scripts/train_opamp.py [--max-env-steps N]

Same flags as train_general.py, without `--circuit`; `--help` lists them.
"""

from autockt.command_line import train_from_command_line
from autockt_shared import TWO_STAGE_OPAMP

if __name__ == "__main__":
    train_from_command_line(circuit=TWO_STAGE_OPAMP.name)
