#!/usr/bin/env python3
"""Make the seed article's replay page and a screenshot of it (the README shows scripts/seed_page.png).

usage: python scripts/make_seed_page.py [--out seed_article.html] [--screenshot scripts/seed_page.png]

The page comes from the CLI, as a user would make it: `gradsh run scripts/seed_article_*.txt --html OUT`.
The screenshot needs Debian's Chromium and Playwright (`pip install playwright`; no browser download).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = [f"scripts/seed_article_{i}.txt" for i in (1, 2, 3)]  # relative: the page names them so
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


def screenshot(page: Path, png: Path, anchor: str) -> None:
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        sys.exit("make_seed_page: no Chromium found (Debian: apt-get install chromium)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=ARGS)
        view = browser.new_page(viewport={"width": 1000, "height": 860}, color_scheme="light")
        view.goto(page.resolve().as_uri())
        top = view.locator(anchor).first.evaluate("e => e.getBoundingClientRect().top + window.scrollY")
        view.evaluate(f"() => window.scrollTo(0, {top} - 150)")
        view.screenshot(path=str(png))
        browser.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    ap.add_argument("--out", default="seed_article.html", help="the page to write")
    ap.add_argument("--screenshot", default=str(ROOT / "scripts" / "seed_page.png"), help="the PNG to write")
    ap.add_argument("--no-screenshot", action="store_true")
    args = ap.parse_args()
    out = Path(args.out).resolve()
    command = [sys.executable, "-m", "gradsh", "run", *SEED, "--html", str(out)]
    done = subprocess.run(command, check=False, stdout=subprocess.DEVNULL, cwd=ROOT)
    if done.returncode != 0:
        return done.returncode
    print(f"wrote {args.out} ({out.stat().st_size:,} bytes)")
    if not args.no_screenshot:
        # part 2 of the article: a graph (b = a * 2) and the no_grad band around it
        screenshot(out, Path(args.screenshot), "#file-2 article:has(figure.graph)")
        print(f"wrote {args.screenshot}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
