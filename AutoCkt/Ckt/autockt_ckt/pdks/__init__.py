"""
# The PDKs a server can simulate with, each one module that registers itself

`kits/` holds one module per PDK (`ptm45`, the project's shipped 45 nm card and the default;
`gf180mcu`; `sky130`), `corner_sets/` one module per named corner set beyond every PDK's
`tt`. `pdk(name)` imports them all and returns the one asked for; `pdk.py` defines what a PDK
and a corner are, `primitive_mos.py` the open PDKs' transistors (their Hdl21 packages'
primitives, sized in micrometres), `wheel.py` where the open PDKs' files come from,
`install.py` installs them.
"""

from __future__ import annotations

import importlib
import pkgutil

from .pdk import Corner, CornerSet, MosSize, Pdk, ProcessCorner, Speed, corner_set_names, registered_pdk, registered_pdk_names

__all__ = ["Corner", "CornerSet", "MosSize", "Pdk", "ProcessCorner", "Speed", "corner_set_names", "pdk", "pdk_names"]

DEFAULT_PDK = "ptm45"


def _register_all() -> None:
    from . import corner_sets, kits

    for package in (kits, corner_sets):
        for module in pkgutil.iter_modules(package.__path__):
            importlib.import_module(f"{package.__name__}.{module.name}")


def pdk_names() -> list[str]:
    """Every PDK a server can be started for."""
    _register_all()
    return registered_pdk_names()


def pdk(name: str) -> Pdk:
    """The PDK named `name`; `KeyError` naming the choices if there is none."""
    _register_all()
    found = registered_pdk(name)
    if found is None:
        raise KeyError(f"no PDK named {name!r}: choose one of {registered_pdk_names()}")
    return found
