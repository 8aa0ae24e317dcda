"""
# The parameter manager: designs as grid indices, actions as moves on the grid

The agent never sees or produces raw values (multipliers of 1..100, capacitances in farads):
it moves each parameter by a few grid steps, and sees each parameter as its grid position
scaled to [-1, 1]. Working in indices keeps values on the grid with no float drift, and makes
every parameter look alike to the policy whatever its unit.

A move is counted in the parameter's *stride*, not in raw grid steps: one grid step on grids of
up to `ENV_INTERVALS` intervals (every 45 nm circuit's), and on finer grids as many steps as make
about `ENV_INTERVALS` strides across the range. PPAAS's widths sit on a 0.01 µm grid from 0.5 to
100 µm (9,950 steps): a move of two grid steps would need thousands of steps to cross it, where a
stride of 1 µm crosses it in 50 moves of two, as AutoCkt's 100-point grids are crossed. Designs
stay on the fine grid (the reset point need not be a multiple of the stride), and the optimizers
search the fine grid itself.

Moves are discrete (one of `moves` per parameter: PPO's `MultiDiscrete`), or, with
`continuous=True`, a `Box(-1, 1)` per parameter for continuous-control algorithms (SAC, TD3):
`a` moves a parameter by `a` times the largest move, rounded to whole grid steps (finer than a
stride), so both kinds reach the same span of the grid in one step.
"""

from __future__ import annotations

from collections.abc import Sequence

import gymnasium as gym
import numpy as np

from autockt_shared import ParamSpec, grid_values

DEFAULT_MOVES: tuple[int, ...] = (-1, 0, 2)
"""AutoCkt's action per parameter: one stride down, stay, or two up."""
TUNED_MOVES: tuple[int, ...] = (-3, -1, 0, 1, 3)
"""One stride or three either way: with `DEFAULT_MOVES` one stride up takes two moves (+2, -1), and
greedy policies overshoot tight targets (README, Trained circuits); every shipped policy trains with these."""
ENV_INTERVALS = 100
"""About how many strides span a parameter's range (module docstring); AutoCkt's grids had 100 points."""


def stride(grid_size: int) -> int:
    """Grid steps per unit move on a grid of `grid_size` points: 1 up to `ENV_INTERVALS` intervals."""
    return max(1, -(-(grid_size - 1) // ENV_INTERVALS))


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
        self.strides = np.array([stride(p.grid_size) for p in self.params], dtype=np.int64)

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
            steps = np.rint(np.clip(np.asarray(action, dtype=np.float64), -1.0, 1.0) * self._reach * self.strides).astype(np.int64)
        else:
            steps = self.moves[np.asarray(action, dtype=np.int64)] * self.strides
        return np.clip(indices + steps, 0, self._top)

    def values(self, indices: np.ndarray) -> dict[str, float]:
        """The parameter values, by name, that the simulation Rpc takes."""
        return grid_values(self.params, indices)

    def normalized(self, indices: np.ndarray) -> np.ndarray:
        """Each parameter's grid position scaled to [-1, 1] (a one-point grid sits at -1)."""
        return 2.0 * indices / np.maximum(self._top, 1) - 1.0
