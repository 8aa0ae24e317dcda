"""
# Which `Engine` a server runs, from its settings

libngspice unless the operator chose the subprocess engine or the library cannot be loaded
(e.g. Debian's `libngspice0` is not installed): the server keeps working either way, and
says which engine it runs (at warning level, as the server announces its auth: it is
printed before any logging is configured).
"""

import logging

from .engine import Engine, NgspiceSubprocessEngine
from .libngspice_engine import LibngspiceEngine
from .settings import Settings

log = logging.getLogger(__name__)


def select_engine(settings: Settings) -> Engine:
    """The engine `settings` ask for; raises `OSError` if they ask for libngspice and it does not load."""
    if settings.engine == "subprocess":
        log.warning("simulation engine: subprocess (AUTOCKT_ENGINE=subprocess)")
        return NgspiceSubprocessEngine(run_dir=settings.run_dir, timeout_s=settings.sim_timeout_s)
    try:
        engine = LibngspiceEngine(run_dir=settings.run_dir, timeout_s=settings.sim_timeout_s)
    except OSError as err:
        if settings.engine == "libngspice":
            raise
        log.warning("simulation engine: subprocess, because libngspice did not load (%s)", err)
        return NgspiceSubprocessEngine(run_dir=settings.run_dir, timeout_s=settings.sim_timeout_s)
    log.warning("simulation engine: libngspice (%s)", "AUTOCKT_ENGINE=libngspice" if settings.engine else "default")
    return engine
