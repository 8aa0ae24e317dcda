"""`report.html`, a sized design's report, as a designer opens it: in a real headless Chromium.

`size.py` writes it beside the netlists; it is one self-contained file (no script, no external
URL) whose figures render, and whose table marks each spec pass or fail. Every simulation is real
(in-process ngspice), and the browser is Debian's Chromium driven by Selenium, as the account
page's tests drive it.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

import autockt_ckt.handlers  # noqa: F401  (the circuits' handlers, for in-process simulation)
from autockt import SimulatorConfig, SizingConfig, size
from autockt.report import REPORT_FILE, write_report
from autockt_shared import FOLDED_CASCODE
from discovery_server import free_port
from tests.account.conftest import CHROMEDRIVER, CHROMIUM, CHROMIUM_FLAGS
from tests.autockt.test_size import load_script

TARGET = ["gain=200", "ugbw=6e7", "phm=60", "ibias=1e-3"]
LATCH_TARGET = {"output_delay": 3e-10, "power": 2e-4, "setup_time": 2e-10}
IN_PROCESS = SimulatorConfig(in_process=True)


@pytest.fixture(scope="module")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[webdriver.Chrome]:
    """One headless Chromium for the module's reports, its console log kept."""
    if not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)):
        pytest.fail("Chromium is not installed: run scripts/install_dev.sh (Debian packages chromium and chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={tmp_path_factory.mktemp('profile')}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def sized_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """size.py's report of the folded cascode, sized in-process on a small budget."""
    out = tmp_path_factory.mktemp("sized") / "folded_cascode"
    code = load_script().main(["--circuit", "folded_cascode", "--target", *TARGET, "--budget", "24", "--in-process", "--out", str(out)])
    assert code in (0, 2)  # reached, or the closest design: a report either way
    return out / REPORT_FILE


def open_report(driver: webdriver.Chrome, report: Path, screenshot: Path) -> list[dict[str, float]]:
    """Load `report` in `driver`, check the console stayed clean, save a screenshot of the whole page and
    return each image's natural and rendered size, every one of them loaded."""
    driver.get_log("browser")  # drop what an earlier page logged
    driver.get(report.as_uri())
    height = driver.execute_script("return document.body.scrollHeight")
    driver.set_window_size(1200, min(int(height) + 400, 8000))  # room for the browser's own frame
    assert [entry for entry in driver.get_log("browser") if entry["level"] in ("SEVERE", "WARNING")] == []
    assert driver.save_screenshot(str(screenshot)) and screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    return [
        driver.execute_script(
            "const r = arguments[0].getBoundingClientRect();"
            "return {complete: arguments[0].complete, natural: arguments[0].naturalWidth, width: r.width, height: r.height};",
            image,
        )
        for image in driver.find_elements(By.TAG_NAME, "img")
    ]


def assert_self_contained(html: str) -> None:
    assert "<script" not in html.lower()
    assert re.findall(r'(?:src|href)="(?!data:image/png;base64,)', html) == []  # no file, no URL: only inline images
    assert re.search(r"https?://", html) is None


def test_size_writes_a_report_chromium_renders_with_its_bode_plot_and_trajectory(
    sized_report: Path, chromium: webdriver.Chrome, tmp_path: Path
) -> None:
    html = sized_report.read_text()
    assert_self_contained(html)
    images = open_report(chromium, sized_report, tmp_path / "report.png")
    assert len(images) == 2  # the Bode plot, the trajectory
    assert all(image["complete"] and image["natural"] > 300 and image["width"] > 300 and image["height"] > 200 for image in images)
    headings = [h.text for h in chromium.find_elements(By.TAG_NAME, "h2")]
    assert headings == ["Target and metrics at each corner", "Design", "Frequency response", "Sizing trajectory"]
    cells = chromium.find_elements(By.CSS_SELECTOR, "table.metrics td.pass, table.metrics td.fail")
    assert len(cells) == len(FOLDED_CASCODE.metrics)  # one corner, nominal: a verdict per spec
    assert all(("pass" in cell.text) == ("pass" in (cell.get_attribute("class") or "")) for cell in cells)
    rows = chromium.find_elements(By.CSS_SELECTOR, "table.design tr")
    assert len(rows) == 1 + len(FOLDED_CASCODE.params)


def test_a_latchs_report_shows_its_timing_run(chromium: webdriver.Chrome, tmp_path: Path) -> None:
    design = size(SizingConfig(circuit="latch", target=LATCH_TARGET, budget=4, simulator=IN_PROCESS))
    report = write_report(design, tmp_path / REPORT_FILE, IN_PROCESS)
    assert_self_contained(report.read_text())
    images = open_report(chromium, report, tmp_path / "report.png")
    assert len(images) == 2 and all(image["complete"] and image["natural"] > 0 and image["height"] > 200 for image in images)
    assert [h.text for h in chromium.find_elements(By.TAG_NAME, "h2")][2] == "Transients"


def test_a_report_without_waveforms_says_why_and_keeps_the_rest(tmp_path: Path) -> None:
    design = size(
        SizingConfig(
            circuit="folded_cascode",
            target={name: float(value) for name, value in (t.split("=") for t in TARGET)},
            budget=1,
            simulator=IN_PROCESS,
        )
    )
    gone = SimulatorConfig(server_url=f"http://127.0.0.1:{free_port()}", retry_deadline_s=0)
    html = write_report(design, tmp_path / REPORT_FILE, gone).read_text()
    assert "No waveforms: " in html and "Frequency response" not in html
    assert "Target and metrics at each corner" in html and "Sizing trajectory" in html
