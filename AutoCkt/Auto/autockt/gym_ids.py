"""Importing this registers every circuit's goal environment, as `gymnasium.make("autockt.gym_ids:autockt/<Circuit>-v0")` expects."""

from .registration import register_envs

register_envs()
