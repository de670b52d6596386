"""The report in a real browser: headless Debian Chromium driven over the DevTools protocol.

Proves what static checks cannot: the page lays out with its sections and charts visible, the
Content-Security-Policy does not block the report's own styles, the page makes zero network
requests (CDP ``Network.requestWillBeSent`` for everything but the ``file://`` document itself)
and logs no console error. Screenshots (and a print PDF) go to ``artifacts/`` for people to look
at. A control page with one external image and one console error proves the detectors work.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import websocket

from reattune.report import SECTION_IDS
from tests.report.helpers import EXAMPLE_FILES, example_report

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--window-size=1280,900",
    "--remote-debugging-port=0",
)


def _install_chromium() -> str:
    """Run .ci/chromium.sh once across xdist workers; return why it failed, if it did."""
    script = ROOT / ".ci" / "chromium.sh"
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        return "installing it needs root and apt-get"
    with open(ROOT / "artifacts" / ".chromium-install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if shutil.which("chromium"):
            return ""
        try:
            done = subprocess.run(
                ["bash", str(script)], capture_output=True, text=True, timeout=900, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            return f".ci/chromium.sh failed: {error}"
        return "" if done.returncode == 0 else f".ci/chromium.sh failed: {done.stderr[-300:]}"


@pytest.fixture(scope="session")
def chromium() -> str:
    ARTIFACTS.mkdir(exist_ok=True)
    path = shutil.which("chromium")
    if path is None:
        reason = _install_chromium()
        path = shutil.which("chromium")
        if path is None:
            pytest.skip(f"Debian chromium is not installed and could not be installed: {reason}")
    return path


class Page:
    """One browser tab over a flattened CDP session; records every event it sees."""

    def __init__(self, ws: websocket.WebSocket, session: str) -> None:
        self.ws = ws
        self.session = session
        self.events: list[dict[str, Any]] = []
        self._id = 0

    def call(self, method: str, params: dict[str, Any] | None = None, timeout: float = 30) -> Any:
        return _call(self, method, params or {}, self.session, timeout)

    def wait_for(self, method: str, timeout: float = 30) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            for event in self.events:
                if event.get("method") == method and event.get("sessionId") == self.session:
                    return event
            if time.monotonic() > deadline:
                raise TimeoutError(method)
            self._read(deadline)

    def settle(self, seconds: float) -> None:
        """Keep collecting events for a while (late requests, late console messages)."""
        deadline = time.monotonic() + seconds
        with contextlib.suppress(websocket.WebSocketTimeoutException, TimeoutError):
            while time.monotonic() < deadline:
                self._read(deadline)

    def _read(self, deadline: float) -> dict[str, Any]:
        self.ws.settimeout(max(0.05, deadline - time.monotonic()))
        message: dict[str, Any] = json.loads(self.ws.recv())
        if "method" in message:
            self.events.append(message)
        return message

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        assert "exceptionDetails" not in result, result
        return result["result"]["value"]

    def of(self, method: str) -> list[dict[str, Any]]:
        return [
            e["params"]
            for e in self.events
            if e.get("method") == method and e.get("sessionId") == self.session
        ]


def _call(
    page: Page, method: str, params: dict[str, Any], session: str | None, timeout: float
) -> Any:
    page._id += 1
    message: dict[str, Any] = {"id": page._id, "method": method, "params": params}
    if session is not None:
        message["sessionId"] = session
    page.ws.send(json.dumps(message))
    deadline = time.monotonic() + timeout
    while True:
        reply = page._read(deadline)
        if reply.get("id") == page._id:
            assert "error" not in reply, (method, reply["error"])
            return reply.get("result", {})


@contextlib.contextmanager
def browser_page(chromium: str, tmp_path: Path) -> Iterator[Page]:
    profile = tmp_path / "profile"
    log = (tmp_path / "chromium.log").open("w")
    process = subprocess.Popen(
        [chromium, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not port_file.exists() or len(port_file.read_text().split()) < 2:
            assert process.poll() is None, (tmp_path / "chromium.log").read_text()[-2000:]
            assert time.monotonic() < deadline, "chromium did not open its DevTools port"
            time.sleep(0.05)
        port, path = port_file.read_text().split()[:2]
        ws = websocket.create_connection(
            f"ws://127.0.0.1:{port}{path}", timeout=30, suppress_origin=True
        )
        page = Page(ws, "")
        target = _call(page, "Target.createTarget", {"url": "about:blank"}, None, 30)
        attached = _call(
            page,
            "Target.attachToTarget",
            {"targetId": target["targetId"], "flatten": True},
            None,
            30,
        )
        page.session = attached["sessionId"]
        for domain in ("Page", "Network", "Runtime", "Log"):
            page.call(f"{domain}.enable")
        page.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False},
        )
        yield page
        with contextlib.suppress(Exception):
            _call(page, "Browser.close", {}, None, 5)
        ws.close()
    finally:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)
        if process.poll() is None:
            process.kill()
            process.wait()
        log.close()


def open_file(page: Page, path: Path) -> str:
    url = path.resolve().as_uri()
    page.call("Page.navigate", {"url": url})
    page.wait_for("Page.loadEventFired")
    page.settle(0.5)
    return url


def requests_besides(page: Page, url: str) -> list[str]:
    return [
        r["request"]["url"]
        for r in page.of("Network.requestWillBeSent")
        if r["request"]["url"] != url
    ]


def console_errors(page: Page) -> list[str]:
    errors = [
        json.dumps(e["args"])[:300]
        for e in page.of("Runtime.consoleAPICalled")
        if e["type"] in ("error", "assert")
    ]
    errors += [json.dumps(e["exceptionDetails"])[:300] for e in page.of("Runtime.exceptionThrown")]
    errors += [
        e["entry"]["text"] for e in page.of("Log.entryAdded") if e["entry"]["level"] == "error"
    ]
    return errors


VISIBILITY = """
(() => {
  const seen = (el) => {
    if (!el) return false;
    const box = el.getBoundingClientRect();
    return el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})
      && box.width > 0 && box.height > 0;
  };
  const sections = {};
  for (const id of IDS) sections[id] = seen(document.getElementById(id));
  const charts = [...document.querySelectorAll('svg.chart')].map((svg) => {
    const box = svg.getBoundingClientRect();
    return {id: svg.id, visible: seen(svg), width: box.width, height: box.height,
            texts: svg.querySelectorAll('text').length};
  });
  return {
    sections, charts,
    title: document.title,
    scripts: document.scripts.length,
    marks: document.querySelectorAll('main mark').length,
    turns: document.querySelectorAll('li.turn').length,
    masthead: getComputedStyle(document.querySelector('.masthead')).backgroundColor,
    nav: getComputedStyle(document.querySelector('nav.toc')).display,
  };
})()
"""


def save_screenshot(page: Page, name: str) -> Path:
    size = page.call("Page.getLayoutMetrics")["cssContentSize"]
    height = min(int(size["height"]), 16000)
    shot = page.call(
        "Page.captureScreenshot",
        {
            "format": "png",
            "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": 1280, "height": height, "scale": 1},
        },
    )
    target = ARTIFACTS / f"{name}.png"
    target.write_bytes(base64.b64decode(shot["data"]))
    return target


@pytest.mark.slow
@pytest.mark.parametrize("file", EXAMPLE_FILES)
def test_the_report_in_chromium(chromium: str, tmp_path: Path, file: str) -> None:
    report = tmp_path / "report.html"
    report.write_text(example_report(file), encoding="utf-8")
    with browser_page(chromium, tmp_path) as page:
        url = open_file(page, report)
        documents = page.of("Network.requestWillBeSent")
        assert [r["request"]["url"] for r in documents] == [url], "only the document itself"
        assert requests_besides(page, url) == []
        assert console_errors(page) == []

        state = page.evaluate(VISIBILITY.replace("IDS", json.dumps(list(SECTION_IDS))))
        assert state["sections"] == dict.fromkeys(SECTION_IDS, True)
        assert [c["id"] for c in state["charts"]] == [
            "chart-timeline",
            "chart-latency",
            "chart-balance",
        ]
        for chart in state["charts"]:
            assert chart["visible"] and chart["width"] > 600 and chart["height"] > 150, chart
            assert chart["texts"] > 5, "axis labels are text, not paths"
        assert state["scripts"] == 0 and state["marks"] > 5 and state["turns"] > 10
        assert state["masthead"] == "rgb(31, 45, 58)", "the inline stylesheet applied under CSP"

        tree = page.call("Accessibility.getFullAXTree")["nodes"]
        images = [
            n for n in tree if n.get("role", {}).get("value") == "image" and not n.get("ignored")
        ]
        names = sorted(n.get("name", {}).get("value", "") for n in images)
        assert len(names) == 3 and all(len(n) > 10 for n in names), names
        landmarks = {n.get("role", {}).get("value") for n in tree}
        assert {"main", "navigation", "banner", "contentinfo"} <= landmarks

        shot = save_screenshot(page, f"report-{Path(file).stem}")
        assert shot.stat().st_size > 50_000

        page.call("Emulation.setEmulatedMedia", {"media": "print"})
        printed = page.evaluate(VISIBILITY.replace("IDS", json.dumps(list(SECTION_IDS))))
        assert printed["nav"] == "none"
        assert all(printed["sections"].values())
        pdf = base64.b64decode(page.call("Page.printToPDF", {"printBackground": True})["data"])
        assert pdf.startswith(b"%PDF")
        (ARTIFACTS / f"report-{Path(file).stem}.pdf").write_bytes(pdf)
        assert requests_besides(page, url) == [] and console_errors(page) == []


@pytest.mark.slow
def test_the_harness_does_see_requests_and_console_errors(chromium: str, tmp_path: Path) -> None:
    control = tmp_path / "control.html"
    control.write_text(
        "<!DOCTYPE html><html lang=en><title>control</title>"
        '<img alt="" src="http://127.0.0.1:9/pixel.png">'
        "<script>console.error('control error')</script>",
        encoding="utf-8",
    )
    with browser_page(chromium, tmp_path) as page:
        url = open_file(page, control)
        assert requests_besides(page, url) == ["http://127.0.0.1:9/pixel.png"]
        assert any("control error" in e for e in console_errors(page))
