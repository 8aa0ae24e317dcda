"""Rpc types used across the Discovery tests: nested dataclasses and models, enums, tuples, lists, bytes."""

from __future__ import annotations

import enum

from pydantic import BaseModel
from pydantic.dataclasses import dataclass

from discovery_shared import Rpc


class Shape(enum.Enum):
    SQUARE = "square"
    CIRCLE = "circle"


class Blob(BaseModel):
    data: bytes
    scale: float


@dataclass
class Point:
    x: float
    y: float


@dataclass
class Drawing:
    name: str
    shape: Shape
    corners: list[Point]
    span: tuple[int, float]
    blobs: list[Blob]
    count: int = 1


nested = Rpc("t_nested", Drawing, Drawing, docstring="Echo a drawing with every corner mirrored.")


@nested.impl
def mirror(d: Drawing) -> Drawing:
    return Drawing(
        name=d.name,
        shape=d.shape,
        corners=[Point(x=-p.x, y=p.y) for p in d.corners],
        span=d.span,
        blobs=d.blobs,
        count=d.count,
    )


def drawing() -> Drawing:
    return Drawing(
        name="d",
        shape=Shape.CIRCLE,
        corners=[Point(x=0.1 + 0.2, y=1e-300), Point(x=-2.5, y=1 / 3)],
        span=(3, 2.0**-40),
        blobs=[Blob(data=bytes(range(256)), scale=5e-324)],
        count=2,
    )
