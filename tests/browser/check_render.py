#!/usr/bin/env python3
"""Renders journeysim HTML reports in headless Chromium and checks that every chart rendered.

    check_render.py [--chromium PATH] [--width 1280] [--screenshot-dir DIR] [--timeout S] \
        [!]REPORT.html[:chart,chart,...] ...

A leading '!' marks a page built to fail (it passes when problems are found), to show that the
checks catch what they claim to.

Chromium is driven over the DevTools protocol on a pipe (--remote-debugging-pipe: fd 3 carries
commands in, fd 4 carries replies and events out, NUL-separated JSON), so no port, no websocket
library and no network are involved. One browser (fresh --user-data-dir in a temporary
directory, background networking off) loads each report in a 1280 px wide viewport and the check
fails if:
  * a JavaScript exception, a console error/warning or a browser log error was reported;
  * the page requested anything but the report file itself (data: URLs aside): the report must
    be self-contained;
  * an expected chart (the ids after ':'; `figure.chart[data-chart=ID]`) is missing or was
    reported as not available;
  * a chart's <svg> is empty: zero-size bounding box, no data marks (lines, bands, bars,
    cells, areas, forest rows), fewer than 3 text elements (title, axis labels);
  * a chart's text runs outside its SVG viewBox (cut-off labels), or the chart is drawn at less
    than 85% of its design size (too small to read at this width);
  * a bar or heatmap cell (rect.bar, rect.cell) has no area, a confidence band (path.band)
    encloses no area (its points, by the shoelace formula), or a chart draws fewer or more bars,
    heatmap cells, point markers, lines or bands than its figure declares (data-bars,
    data-cells, data-points, data-lines, data-bands: the sweep and calibration fit reports say
    how many they drew, the browser counts what shows: lines of non-zero length, bands with an
    area);
  * an SVG attribute holds NaN or Infinity, or the page's text shows NaN;
  * a table has no header row or no body row, or a body row's cells do not line up under the
    header's columns (rowspan and colspan followed: each cell spans exactly the width of the
    header cells above it, and each row fills every column);
  * the page is wider than the viewport (horizontal scrolling).
An expected item written SELECTOR=N (e.g. `table.best=3`) asks for exactly N elements matching
the CSS selector instead of a chart.
Exit status 0 when all reports pass, 1 otherwise; a summary line per report on stdout.
"""
import argparse
import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time

MEASURE = r"""
((selectors) => {
  const out = {charts: [], missing: [], refs: [], title: document.title, tables: [], counts: {},
               scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth};
  const nonNumber = /(^|[^A-Za-z])(NaN|[-+]?Infinity|[-+]?inf)([^A-Za-z]|$)/i;
  for (const f of document.querySelectorAll('figure.chart')) {
    const svg = f.querySelector('svg');
    const r = {id: f.dataset.chart || '(no id)', svg: !!svg};
    if (svg) {
      const bb = svg.getBBox();
      const rect = svg.getBoundingClientRect();
      const vb = svg.viewBox.baseVal;
      r.bbox = [bb.width, bb.height];
      const fb = f.getBoundingClientRect();
      r.box = [fb.left + window.scrollX, fb.top + window.scrollY, fb.width, fb.height];
      r.rect = [rect.width, rect.height];
      r.scale = vb && vb.width ? rect.width / vb.width : 1;
      r.elements = svg.querySelectorAll('*').length;
      r.marks = svg.querySelectorAll(
          'path.line, path.band, path.area, rect.bar, rect.cell, g.forest-row, circle.marker').length;
      const texts = svg.querySelectorAll('text');
      r.texts = texts.length;
      r.outside = [];
      for (const t of texts) {  // screen boxes, so rotated axis labels count as drawn
        const b = t.getBoundingClientRect();
        if (b.width === 0 && t.textContent.trim() !== '') r.outside.push('(not drawn) ' + t.textContent);
        else if (b.left < rect.left - 1 || b.right > rect.right + 1 ||
                 b.top < rect.top - 1 || b.bottom > rect.bottom + 1)
          r.outside.push(t.textContent);
      }
      // marks without area, and how many of each kind show against what the figure declares
      const shown = (sel) => [...svg.querySelectorAll(sel)].filter(e => {
        const b = e.getBBox();
        return b.width > 0 && b.height > 0;
      }).length;
      r.flat = [];
      for (const e of svg.querySelectorAll('rect.bar, rect.cell')) {
        const b = e.getBBox();
        if (!(b.width > 0 && b.height > 0))
          r.flat.push(`${e.getAttribute('class')} ${b.width}x${b.height}`);
      }
      // lines that go somewhere (a path of one point draws nothing) and bands that enclose an
      // area (shoelace formula over the path's M/L points; an upper edge on its lower edge is
      // no band); zero-area bands are reported whatever the figure declares
      const drawnLines = [...svg.querySelectorAll('path.line')].filter(
          e => e.getTotalLength() > 0).length;
      const bandArea = (e) => {
        const pts = [...(e.getAttribute('d') || '').matchAll(/[ML]\s*(-?[\d.]+)[ ,](-?[\d.]+)/g)]
            .map(m => [Number(m[1]), Number(m[2])]);
        let a = 0;
        for (let i = 0; i < pts.length; ++i) {
          const [x1, y1] = pts[i], [x2, y2] = pts[(i + 1) % pts.length];
          a += x1 * y2 - x2 * y1;
        }
        return Math.abs(a) / 2;
      };
      const bands = [...svg.querySelectorAll('path.band')];
      const drawnBands = bands.filter(e => bandArea(e) > 0).length;
      for (const e of bands)
        if (!(bandArea(e) > 0))
          r.flat.push(`band of zero area (d="${(e.getAttribute('d') || '').slice(0, 40)}")`);
      r.declared = [];
      for (const [attr, sel] of [['bars', 'rect.bar'], ['cells', 'rect.cell'],
                                 ['points', 'circle.marker']]) {
        if (f.dataset[attr] === undefined) continue;
        r.declared.push([attr, Number(f.dataset[attr]), shown(sel)]);
      }
      if (f.dataset.lines !== undefined)
        r.declared.push(['lines', Number(f.dataset.lines), drawnLines]);
      if (f.dataset.bands !== undefined)
        r.declared.push(['bands', Number(f.dataset.bands), drawnBands]);
      r.badAttrs = [];
      for (const e of [svg, ...svg.querySelectorAll('*')])
        for (const a of e.attributes)
          if (nonNumber.test(a.value)) r.badAttrs.push(`<${e.tagName} ${a.name}="${a.value}">`);
    }
    out.charts.push(r);
  }
  out.nanText = (document.body.innerText.match(/.{0,30}\bNaN\b.{0,30}/g) || []).slice(0, 5);
  // tables: every body row's cells under the header cells of their columns
  let ti = 0;
  for (const table of document.querySelectorAll('table')) {
    ++ti;
    const t = {name: `table ${ti}` + (table.className ? ` (${table.className})` : '') +
                     (table.dataset.kpi ? ` [${table.dataset.kpi}]` : ''),
               problems: [], rows: 0};
    out.tables.push(t);
    const head = table.tHead && table.tHead.rows.length ?
        table.tHead.rows[table.tHead.rows.length - 1] : null;
    if (!head) { t.problems.push('no header row (thead)'); continue; }
    const cols = [];
    for (const th of head.cells) {
      const b = th.getBoundingClientRect();
      for (let k = 0; k < th.colSpan; ++k) cols.push([b.left, b.right]);
    }
    const body = [...table.tBodies].flatMap(tb => [...tb.rows]);
    t.rows = body.length;
    if (!body.length) { t.problems.push('no body rows under its header'); continue; }
    const taken = [];  // taken[row] = columns occupied by cells of rows above (rowspan)
    body.forEach((row, i) => {
      const busy = taken[i] || new Set();
      let col = 0;
      for (const cell of row.cells) {
        while (busy.has(col)) ++col;
        const span = cell.colSpan, end = col + span - 1;
        if (end >= cols.length) {
          t.problems.push(`row ${i + 1}: cell "${cell.textContent.trim().slice(0, 30)}" in ` +
                          `column ${end + 1} of ${cols.length} headers`);
          break;
        }
        const b = cell.getBoundingClientRect();
        if (Math.abs(b.left - cols[col][0]) > 2 || Math.abs(b.right - cols[end][1]) > 2)
          t.problems.push(`row ${i + 1}: cell "${cell.textContent.trim().slice(0, 30)}" ` +
                          `is not under its header ` +
                          `(x ${Math.round(b.left)}-${Math.round(b.right)}, ` +
                          `header ${Math.round(cols[col][0])}-${Math.round(cols[end][1])})`);
        for (let k = 1; k < cell.rowSpan; ++k)
          for (let c = col; c <= end; ++c) (taken[i + k] = taken[i + k] || new Set()).add(c);
        col = end + 1;
      }
      while (busy.has(col)) ++col;
      if (col < cols.length)
        t.problems.push(`row ${i + 1}: ${col} columns under ${cols.length} headers`);
    });
    // a cell spanning rows that do not exist (the table's last KPI, not available, kept a
    // rowspan of every variant over its one row, #16)
    if (taken.length > body.length)
      t.problems.push(`a cell spans ${taken.length - body.length} rows past the last row`);
  }
  for (const sel of selectors) out.counts[sel] = document.querySelectorAll(sel).length;
  out.missing = [...document.querySelectorAll('[data-chart-missing]')].map(e => e.dataset.chartMissing);
  for (const el of document.querySelectorAll('[src], [href], [srcset], [data], [action]'))
    for (const a of ['src', 'href', 'srcset', 'data', 'action']) {
      const v = el.getAttribute(a);
      if (v !== null && !v.startsWith('#')) out.refs.push(a + '=' + v);
    }
  return out;
})(SELECTORS)
"""


class Browser:
    """Chromium with the DevTools protocol on fds 3 (in) and 4 (out)."""

    def __init__(self, chromium, width, timeout):
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="journeysim-chromium-")
        cmd_r, self.cmd_w = os.pipe()
        self.out_r, out_w = os.pipe()
        # the child's ends, moved above the low fds so that dup2 onto 3 and 4 cannot clobber them
        hi_cmd_r = fcntl.fcntl(cmd_r, fcntl.F_DUPFD_CLOEXEC, 10)
        hi_out_w = fcntl.fcntl(out_w, fcntl.F_DUPFD_CLOEXEC, 10)
        os.close(cmd_r)
        os.close(out_w)

        def child_fds():  # runs in the child between fork and exec; dup2 clears close-on-exec
            os.dup2(hi_cmd_r, 3)
            os.dup2(hi_out_w, 4)

        args = [chromium, "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--disable-default-apps",
                "--disable-extensions", "--no-default-browser-check", "--mute-audio",
                "--hide-scrollbars", f"--window-size={width},900",
                f"--user-data-dir={self.profile}", "--remote-debugging-pipe", "about:blank"]
        self.log = tempfile.TemporaryFile()
        # close_fds=False: Popen would otherwise close the fds 3 and 4 made in child_fds (it
        # closes after preexec_fn); every other fd of this process is close-on-exec (PEP 446).
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=self.log, preexec_fn=child_fds, close_fds=False)
        os.close(hi_cmd_r)
        os.close(hi_out_w)
        self.buf = b""
        self.next_id = 0
        self.events = []

    def send(self, method, params=None, session=None):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.cmd_w, json.dumps(msg).encode() + b"\0")
        return self.next_id

    def _read_message(self, deadline):
        while b"\0" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no reply from chromium")
            ready, _, _ = select.select([self.out_r], [], [], left)
            if not ready:
                continue
            chunk = os.read(self.out_r, 1 << 16)
            if not chunk:
                raise RuntimeError("chromium closed the DevTools pipe (exited?)\n" + self.stderr())
            self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def call(self, method, params=None, session=None):
        want = self.send(method, params, session)
        deadline = time.monotonic() + self.timeout
        while True:
            msg = self._read_message(deadline)
            if msg.get("id") == want:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            if "method" in msg:
                self.events.append(msg)

    def wait_event(self, method, session, deadline):
        for i, e in enumerate(self.events):
            if e["method"] == method and e.get("sessionId") == session:
                return self.events.pop(i)
        while True:
            msg = self._read_message(deadline)
            if msg.get("method") == method and msg.get("sessionId") == session:
                return msg
            if "method" in msg:
                self.events.append(msg)

    def stderr(self):
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-4000:]

    def close(self):
        try:
            self.send("Browser.close")
            self.proc.wait(timeout=10)
        except Exception:
            self.proc.kill()
            self.proc.wait()
        os.close(self.cmd_w)
        os.close(self.out_r)
        shutil.rmtree(self.profile, ignore_errors=True)


def check_report(browser, path, expected, width, screenshot_dir):
    problems = []
    url = "file://" + os.path.abspath(path)
    target = browser.call("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = browser.call("Target.attachToTarget",
                           {"targetId": target, "flatten": True})["sessionId"]
    for domain in ("Page", "Runtime", "Log", "Network"):
        browser.call(domain + ".enable", {}, session)
    browser.call("Emulation.setDeviceMetricsOverride",
                 {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": False},
                 session)
    browser.events.clear()
    browser.call("Page.navigate", {"url": url}, session)
    browser.wait_event("Page.loadEventFired", session, time.monotonic() + browser.timeout)
    counts = dict(item.split("=", 1) for item in expected if "=" in item)
    expected = [item for item in expected if "=" not in item]
    result = browser.call("Runtime.evaluate",
                          {"expression": MEASURE.replace("SELECTORS", json.dumps(list(counts))),
                           "returnByValue": True}, session)
    if "exceptionDetails" in result:
        problems.append("measuring script failed: " + json.dumps(result["exceptionDetails"]))
        page = {"charts": [], "missing": [], "refs": [], "tables": [], "counts": {}}
    else:
        page = result["result"]["value"]
    if screenshot_dir:
        metrics = browser.call("Page.getLayoutMetrics", {}, session)
        size = metrics.get("cssContentSize") or metrics["contentSize"]
        shot = browser.call("Page.captureScreenshot",
                            {"format": "png", "captureBeyondViewport": True,
                             "clip": {"x": 0, "y": 0, "width": width,
                                      "height": size["height"], "scale": 1}}, session)
        name = os.path.join(screenshot_dir, os.path.basename(path) + ".png")
        with open(name, "wb") as f:
            f.write(base64.b64decode(shot["data"]))
        for c in page["charts"]:  # and one PNG per chart, at 1:1
            if not c.get("box"):
                continue
            x, y, w, h = c["box"]
            shot = browser.call("Page.captureScreenshot",
                                {"format": "png", "captureBeyondViewport": True,
                                 "clip": {"x": x, "y": y, "width": w, "height": h, "scale": 1}},
                                session)
            name = os.path.join(screenshot_dir, f"{os.path.basename(path)}.{c['id']}.png")
            with open(name, "wb") as f:
                f.write(base64.b64decode(shot["data"]))
    # events collected while loading and measuring
    for e in browser.events:
        if e.get("sessionId") != session:
            continue
        m, p = e["method"], e.get("params", {})
        if m == "Runtime.exceptionThrown":
            d = p.get("exceptionDetails", {})
            problems.append("JavaScript exception: " + d.get("text", "") + " " +
                            json.dumps(d.get("exception", {}).get("description", "")))
        elif m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "warning", "assert"):
            args = " ".join(str(a.get("value", a.get("description", ""))) for a in p.get("args", []))
            problems.append(f"console {p['type']}: {args}")
        elif m == "Log.entryAdded" and p.get("entry", {}).get("level") in ("error", "warning"):
            en = p["entry"]
            problems.append(f"browser log {en['level']} ({en.get('source')}): {en.get('text')} "
                            f"{en.get('url', '')}")
        elif m == "Network.requestWillBeSent":
            u = p.get("request", {}).get("url", "")
            if u != url and not u.startswith("data:") and not u.startswith("about:"):
                problems.append("the page requested " + u + " (a report must be self-contained)")
        elif m == "Network.loadingFailed":
            problems.append("a resource failed to load: " + p.get("errorText", ""))
    browser.events.clear()
    charts = {c["id"]: c for c in page["charts"]}
    for ref in page["refs"]:
        problems.append("reference to another resource: " + ref)
    for cid in expected:
        if cid in page["missing"]:
            problems.append(f"chart '{cid}' reported as not available")
        elif cid not in charts:
            problems.append(f"chart '{cid}' missing (charts on the page: {sorted(charts)})")
    for c in page["charts"]:
        cid = c["id"]
        if not c["svg"]:
            problems.append(f"chart '{cid}': no <svg>")
            continue
        if min(c["bbox"]) <= 0 or min(c["rect"]) <= 0:
            problems.append(f"chart '{cid}': empty SVG (bbox {c['bbox']}, box {c['rect']})")
        if c["marks"] < 1:
            problems.append(f"chart '{cid}': no data marks ({c['elements']} elements)")
        if c["texts"] < 3:
            problems.append(f"chart '{cid}': {c['texts']} text elements (title, axis labels?)")
        if c["outside"]:
            problems.append(f"chart '{cid}': text outside the chart: {c['outside'][:5]}")
        if c["scale"] < 0.85:
            problems.append(f"chart '{cid}': drawn at {c['scale']:.0%} of its size at {width} px")
        if c["flat"]:
            problems.append(f"chart '{cid}': {len(c['flat'])} marks of zero size: "
                            f"{c['flat'][:3]}")
        for what, declared, shown in c["declared"]:
            if declared != shown:
                problems.append(f"chart '{cid}': declares {declared} {what}, {shown} drawn")
        if c["badAttrs"]:
            problems.append(f"chart '{cid}': NaN or Infinity in SVG attributes: "
                            f"{c['badAttrs'][:3]}")
    for t in page["tables"]:
        for p in t["problems"][:3]:
            problems.append(f"{t['name']}: {p}")
    for snippet in page.get("nanText", []):
        problems.append(f"NaN in the page text: ...{snippet}...")
    for sel, want in counts.items():
        got = page["counts"].get(sel, 0)
        if str(got) != want:
            problems.append(f"{got} elements match '{sel}', expected {want}")
    if page.get("scrollWidth", 0) > width:
        problems.append(f"page is {page['scrollWidth']} px wide at a {width} px viewport")
    browser.call("Target.closeTarget", {"targetId": target})
    marks = ", ".join(f"{c['id']}: {c.get('marks', 0)} marks" for c in page["charts"])
    summary = (f"{path}: {len(page['charts'])} charts ({marks}); {len(page['tables'])} tables, "
               f"{sum(t['rows'] for t in page['tables'])} body rows")
    if page["missing"]:
        summary += f"; not available: {', '.join(page['missing'])}"
    return problems, summary


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("reports", nargs="+", help="REPORT.html[:chart,chart,...]")
    ap.add_argument("--chromium", default=shutil.which("chromium") or "chromium")
    ap.add_argument("--width", type=int, default=1280)
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("--screenshot-dir", help="write a full-page PNG of each report here")
    a = ap.parse_args()
    browser = Browser(a.chromium, a.width, a.timeout)
    failed = False
    try:
        browser.call("Browser.getVersion")
        for spec in a.reports:
            # "!PAGE": a page built to fail (a check of this checker): ok when problems are found
            must_fail = spec.startswith("!")
            path, _, expect = spec.lstrip("!").partition(":")
            expected = [x for x in expect.split(",") if x]
            problems, summary = check_report(browser, path, expected, a.width, a.screenshot_dir)
            bad = bool(problems) != must_fail
            print(("FAIL " if bad else "ok   ") + summary +
                  (" (built to fail: the problems below are expected)" if must_fail else ""))
            for p in problems:
                print("     - " + p)
            failed = failed or bad
    except Exception as e:  # a browser that does not start or answer is a failure, with its log
        print(f"FAIL chromium: {e}\n{browser.stderr()}")
        failed = True
    finally:
        browser.close()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
