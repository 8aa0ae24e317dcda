"""
# The parameter manager: designs as grid indices, actions as moves on the grid

The agent never sees or produces raw values (multipliers of 1..100, capacitances in farads):
it moves each parameter by a few grid steps, and sees each parameter as its grid position
scaled to [-1, 1]. Working in indices keeps values on the grid with no float drift, and makes
every parameter look alike to the policy whatever its unit.

Moves are discrete (one of `moves` per parameter: PPO's `MultiDiscrete`), or, with
`continuous=True`, a `Box(-1, 1)` per parameter for continuous-control algorithms (SAC, TD3):
`a` moves a parameter by `a` times the largest move, rounded to whole grid steps, so both
kinds reach the same span of the grid in one step.
"""

from __future__ import annotations

from collections.abc import Sequence

import gymnasium as gym
import numpy as np

from autockt_shared import ParamSpec, grid_values

DEFAULT_MOVES: tuple[int, ...] = (-1, 0, 2)
"""AutoCkt's action per parameter: one grid step down, stay, or two up."""


class ParamGrid:
    """The design space of a circuit as seen by the agent: one move per parameter (module docstring)."""

    def __init__(self, params: Sequence[ParamSpec], moves: Sequence[int] = DEFAULT_MOVES, continuous: bool = False) -> None:
        if not moves:
            raise ValueError("moves must offer at least one move per parameter, e.g. (-1, 0, 2)")
        self.params = tuple(params)
        self.moves = np.asarray(moves, dtype=np.int64)
        self.continuous = continuous
        self._reach = int(np.abs(self.moves).max())
        self._top = np.array([p.grid_size - 1 for p in self.params], dtype=np.int64)

    @property
    def action_space(self) -> gym.spaces.MultiDiscrete | gym.spaces.Box:
        if self.continuous:
            return gym.spaces.Box(-1.0, 1.0, shape=(len(self.params),), dtype=np.float32)
        return gym.spaces.MultiDiscrete([len(self.moves)] * len(self.params))

    def initial(self) -> np.ndarray:
        """Grid indices of the reset point."""
        return np.array([p.index_of(p.initial) for p in self.params], dtype=np.int64)

    def apply(self, indices: np.ndarray, action: np.ndarray) -> np.ndarray:
        """The design after moving each parameter by its chosen move, clipped at the grid's ends."""
        if self.continuous:
            steps = np.rint(np.clip(np.asarray(action, dtype=np.float64), -1.0, 1.0) * self._reach).astype(np.int64)
        else:
            steps = self.moves[np.asarray(action, dtype=np.int64)]
        return np.clip(indices + steps, 0, self._top)

    def values(self, indices: np.ndarray) -> dict[str, float]:
        """The parameter values, by name, that the simulation Rpc takes."""
        return grid_values(self.params, indices)

    def normalized(self, indices: np.ndarray) -> np.ndarray:
        """Each parameter's grid position scaled to [-1, 1] (a one-point grid sits at -1)."""
        return 2.0 * indices / np.maximum(self._top, 1) - 1.0
