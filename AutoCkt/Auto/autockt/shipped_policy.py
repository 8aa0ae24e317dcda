"""
# Policies that ship with the package: a trained network's weights and the card that says what they are

A Tune checkpoint of PPO is megabytes of learner, optimizer and env-runner state, pickled by Ray;
sizing a circuit needs only the policy network's forward pass. A shipped policy is that network's
weights alone (`<circuit>.npz`: one weight matrix and bias per layer, float32, tens of kilobytes)
beside its card (`<circuit>.json`, `PolicyCard`): the circuit and corner set it acts on, the
algorithm, the observation and action spaces, the environment settings it was trained in, the
circuit's schema fingerprint (fingerprint.py) at training time, how long it trained and how it
validated. The package carries one per trained circuit in `autockt/policies/`, which `size` uses
by default (sizing.py) and validation accepts like a checkpoint (validate.py).

Loading builds the same layers RLlib's module has (actor encoder, then policy head) as a plain
torch network: no Ray, and the same float32 operations, so a shipped policy's logits are the
checkpoint's bit for bit and its rollouts the same. A policy whose circuit has changed since it was
trained (`schema_fingerprint` differs) is refused with `StalePolicy`, which names the command that
rebuilds it; `AutoCkt/scripts/build_policies.py` (re)builds them all. A model-based agent ships in the
same two files and under the same card (`model_based.ShippedModelBasedPolicy`, `algorithm` "model_based").
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from autockt_shared import circuit_optimization

from .action_choice import DiscretePolicy
from .env import AutoCktGym, EnvConfig
from .experiment import RunRecord
from .fingerprint import schema_fingerprint
from .simulator import Simulator
from .specs import InputError, TargetSet

POLICIES_DIR = Path(__file__).resolve().parent / "policies"
"""The package's shipped policies, `<circuit>.npz` and `<circuit>.json` each."""
WEIGHTS_SUFFIX = ".npz"
CARD_SUFFIX = ".json"
FORMAT_VERSION = 1
ACTIVATIONS: dict[str, type[torch.nn.Module]] = {"tanh": torch.nn.Tanh, "relu": torch.nn.ReLU}
"""The hidden activations a shipped network may use (RLlib's `fcnet_activation` names)."""
BUILD_SCRIPT = "AutoCkt/scripts/build_policies.py"


def rebuild_command(circuit: str) -> str:
    """The command that retrains, validates and writes `circuit`'s shipped policy: a circuit of an
    open PDK trains through a server started for that PDK."""
    command = f"python {BUILD_SCRIPT} --circuit {circuit}"
    pdk = circuit_optimization(circuit).pdk
    return command if pdk is None else f"{command} --server-url HOST:PORT (of `start_server.py --pdk {pdk}`)"


class StalePolicy(InputError):
    """A shipped policy trained on another version of its circuit (its schema fingerprint differs)."""


@dataclasses.dataclass(frozen=True)
class PolicyCard:
    """What a shipped policy is (the module docstring): everything but its weights.

    `environment` holds the `RunRecord` fields and the size of the training target set (regenerated from
    its seed, so validation finds the same unseen targets as the run's); `training` the env steps and
    settings it trained with; `validation` each kind of validation's figures (`greedy`, `sampled`).
    """

    circuit: str
    corner_set: str | None
    algorithm: str
    schema_fingerprint: str
    observation_space: dict[str, Any]
    action_space: dict[str, Any]
    network: dict[str, Any]
    environment: dict[str, Any]
    training: dict[str, Any]
    validation: dict[str, Any] = dataclasses.field(default_factory=dict)
    format_version: int = FORMAT_VERSION

    @classmethod
    def read(cls, path: Path) -> PolicyCard:
        data = json.loads(path.read_text())
        if data.get("format_version") != FORMAT_VERSION:
            raise InputError("agent", f"{path} is a shipped policy of format {data.get('format_version')}, not {FORMAT_VERSION}")
        return cls(**data)

    def write(self, path: Path) -> None:
        path.write_text(json.dumps(dataclasses.asdict(self), indent=1) + "\n")

    def run_record(self) -> RunRecord:
        env = self.environment
        return RunRecord(self.circuit, tuple(env["moves"]), int(env["horizon"]), env["failure_penalty"], int(env["seed"]), self.corner_set)

    def training_targets(self) -> TargetSet:
        """The targets it trained on, regenerated as training generated them."""
        return TargetSet.training(
            circuit_optimization(self.circuit), int(self.environment["training_targets"]), int(self.environment["seed"])
        )

    def check_fresh(self, source: Path) -> None:
        """Raise `StalePolicy` unless the circuit's schema is still the one the policy trained on."""
        try:
            optimization = circuit_optimization(self.circuit)
        except KeyError:
            raise StalePolicy("agent", f"{source} acts on {self.circuit!r}, a circuit this installation does not have") from None
        try:
            now = schema_fingerprint(optimization, self.corner_set)
        except InputError as err:
            raise StalePolicy(
                "agent",
                f"{source} was trained at corners {self.circuit} no longer has ({err}); retrain it with: {rebuild_command(self.circuit)}",
            ) from None
        if now != self.schema_fingerprint:
            raise StalePolicy(
                "agent",
                f"{source} was trained on another version of {self.circuit} (schema fingerprint {self.schema_fingerprint}, "
                f"now {now}: its parameter grid, specs or observation changed); retrain it with: {rebuild_command(self.circuit)}",
            )


def card_path(path: Path) -> Path:
    return path.with_suffix(CARD_SUFFIX)


def weights_path(path: Path) -> Path:
    return path.with_suffix(WEIGHTS_SUFFIX)


def is_shipped_policy(path: Path) -> bool:
    """Whether `path` names a shipped policy: its weights or its card, both present."""
    return path.suffix in (WEIGHTS_SUFFIX, CARD_SUFFIX) and card_path(path).is_file() and weights_path(path).is_file()


def shipped_policy_path(circuit: str, directory: Path = POLICIES_DIR) -> Path | None:
    """`circuit`'s shipped policy in `directory` (the package's by default): its weights file, `None` if there is none."""
    path = directory / f"{circuit}{WEIGHTS_SUFFIX}"
    return path if is_shipped_policy(path) else None


def shipped_circuits(directory: Path = POLICIES_DIR) -> list[str]:
    """The circuits with a shipped policy in `directory`."""
    return sorted(p.stem for p in directory.glob(f"*{WEIGHTS_SUFFIX}") if is_shipped_policy(p))


def required_shipped_policy(circuit: str, field: str = "shipped") -> Path:
    """The package's shipped policy for `circuit`, or an `InputError` at `field` naming the circuits that have one."""
    path = shipped_policy_path(circuit)
    if path is None:
        raise InputError(field, f"no shipped policy for {circuit!r}; the package ships one for: {', '.join(shipped_circuits()) or 'none'}")
    return path


class ShippedPolicy(DiscretePolicy):
    """A shipped policy acting as validation and sizing ask a policy to (policy.py), greedy or sampled as
    checkpoints.TrainedPolicy does (action_choice.py)."""

    def __init__(self, card: PolicyCard, layers: Sequence[tuple[np.ndarray, np.ndarray]]) -> None:
        super().__init__(card.action_space["nvec"])
        self.card = card
        self.layers = [(np.asarray(w, dtype=np.float32), np.asarray(b, dtype=np.float32)) for w, b in layers]
        modules: list[torch.nn.Module] = []
        for i, (weight, bias) in enumerate(self.layers):
            linear = torch.nn.Linear(weight.shape[1], weight.shape[0])
            linear.weight.data = torch.from_numpy(weight.copy())
            linear.bias.data = torch.from_numpy(bias.copy())
            modules.append(linear)
            if i < len(self.layers) - 1:
                modules.append(ACTIVATIONS[card.network["hidden_activation"]]())
        self.network = torch.nn.Sequential(*modules).eval()

    @classmethod
    def load(cls, path: Path) -> ShippedPolicy:
        """The shipped policy at `path` (its weights or its card); `StalePolicy` if its circuit changed since it trained."""
        card = PolicyCard.read(card_path(path))
        card.check_fresh(path)
        with np.load(weights_path(path)) as arrays:
            layers = [(arrays[f"weight{i}"], arrays[f"bias{i}"]) for i in range(len(card.network["layers"]))]
        return cls(card, layers)

    def save(self, path: Path) -> Path:
        """Write the weights to `path` (suffix `.npz`) and the card beside it; returns the weights file."""
        path.parent.mkdir(parents=True, exist_ok=True)
        arrays = {f"{kind}{i}": array for i, pair in enumerate(self.layers) for kind, array in zip(("weight", "bias"), pair, strict=True)}
        with weights_path(path).open("wb") as f:
            np.savez_compressed(f, **arrays)  # type: ignore[arg-type]  # numpy's stubs miss the keyword arrays
        self.card.write(card_path(path))
        return weights_path(path)

    def with_card(self, card: PolicyCard) -> ShippedPolicy:
        return ShippedPolicy(card, self.layers)

    def logits(self, observation: torch.Tensor) -> torch.Tensor:
        return self.network(observation)

    def make_env(self, config: EnvConfig, simulator: Simulator) -> AutoCktGym:
        """The environment, refused (`StalePolicy`) if its observations are not the size the network takes: a change
        to env.py's observation that the fingerprint's `OBSERVATION_VERSION` missed."""
        env = super().make_env(config, simulator)
        if list(env.observation_space.shape or ()) != self.card.observation_space["shape"]:
            raise StalePolicy(
                "agent",
                f"the shipped policy for {self.card.circuit} takes observations of shape {self.card.observation_space['shape']}, "
                f"the environment now gives {list(env.observation_space.shape or ())}; retrain it with: {rebuild_command(self.card.circuit)}",
            )
        return env
