"""
# The parameter manager: designs as grid indices, actions as moves on the grid

The agent never sees or produces raw values (multipliers of 1..100, capacitances in farads):
it moves each parameter by a few grid steps, and sees each parameter as its grid position
scaled to [-1, 1]. Working in indices keeps values on the grid with no float drift, and makes
every parameter look alike to the policy whatever its unit.
"""

from __future__ import annotations

from collections.abc import Sequence

import gymnasium as gym
import numpy as np

from autockt_shared import ParamSpec, grid_values

DEFAULT_MOVES: tuple[int, ...] = (-1, 0, 2)
"""AutoCkt's action per parameter: one grid step down, stay, or two up."""


class ParamGrid:
    """The design space of a circuit as seen by the agent: one discrete move per parameter."""

    def __init__(self, params: Sequence[ParamSpec], moves: Sequence[int] = DEFAULT_MOVES) -> None:
        if not moves:
            raise ValueError("moves must offer at least one move per parameter, e.g. (-1, 0, 2)")
        self.params = tuple(params)
        self.moves = np.asarray(moves, dtype=np.int64)
        self._top = np.array([p.grid_size - 1 for p in self.params], dtype=np.int64)

    @property
    def action_space(self) -> gym.spaces.MultiDiscrete:
        return gym.spaces.MultiDiscrete([len(self.moves)] * len(self.params))

    def initial(self) -> np.ndarray:
        """Grid indices of the reset point."""
        return np.array([p.index_of(p.initial) for p in self.params], dtype=np.int64)

    def apply(self, indices: np.ndarray, action: np.ndarray) -> np.ndarray:
        """The design after moving each parameter by its chosen move, clipped at the grid's ends."""
        return np.clip(indices + self.moves[np.asarray(action, dtype=np.int64)], 0, self._top)

    def values(self, indices: np.ndarray) -> dict[str, float]:
        """The parameter values, by name, that the simulation Rpc takes."""
        return grid_values(self.params, indices)

    def normalized(self, indices: np.ndarray) -> np.ndarray:
        """Each parameter's grid position scaled to [-1, 1] (a one-point grid sits at -1)."""
        return 2.0 * indices / np.maximum(self._top, 1) - 1.0
