"""Key presses a translator needs to review the demo's 40 articles to the gold alignment.

    python bench/review_keys.py [--data-dir data/output] [--thresholds 0.5,0.6]

Drives the real report page in headless Chromium (Debian's chromium and chromedriver), one key
at a time as a translator would press them, and counts every key: moving (j/k), approving (a,
which goes on to the next pending row), fixing a wrong row (m merge with the next, Tab to switch
side, J move the last sentence down), approve-all above a score (A), re-align the rest (R),
next article (N) and saving (w). The simulated translator looks at the screen for free (it
reads the page's state) and knows the gold: the line alignment of the NTREX documents the
sample site is built from (data/sample_site/gold.py). Each strategy reviews every article
until every row is a gold bead and approved; keys per gold bead is the table's number.

Strategies:
  one by one     no approve-all: every row read and approved with a, wrong rows fixed by hand;
  approve-all    A once an article (unflagged rows scoring at least the threshold), then the
                 rest as above (wrongly approved rows found and fixed too);
  approve-all+R  as approve-all, and after fixing a wrong row that is followed by another wrong
                 row, R re-aligns the rows down to the next fixed row.

Needs the demo's store: run `make demo` first.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "data" / "sample_site"))

from gold import gold_beads  # noqa: E402

from pipeline.store import open_store  # noqa: E402


class Translator:
    def __init__(self, driver) -> None:  # type: ignore[no-untyped-def]
        from selenium.webdriver.common.action_chains import ActionChains

        self.driver = driver
        self.chains = ActionChains
        self.keys = 0
        self.wrongly_approved = 0

    def press(self, key: str) -> None:
        self.chains(self.driver).send_keys(key).perform()
        self.keys += 1

    def state(self) -> dict:
        return self.driver.execute_script("return window.bitextReview.state()")

    def go_to(self, row: int) -> None:
        now = self.state()["current"]
        if now is None:
            self.press("j")
            now = 0
        while now < row:
            self.press("j")
            now += 1
        while now > row:
            self.press("k")
            now -= 1

    def side(self, wanted: str) -> None:
        from selenium.webdriver.common.keys import Keys

        if self.state()["side"] != wanted:
            self.press(Keys.TAB)

    def review(self, gold: list[tuple[list[int], list[int]]], bulk: bool, realign: bool) -> None:
        if bulk:
            before = self.state()["pair"]["beads"]
            self.press("A")
            after = self.state()["pair"]["beads"]
            wanted = {(tuple(s), tuple(t)) for s, t in gold}
            self.wrongly_approved += sum(
                1
                for b, a in zip(before, after, strict=False)
                if b["status"] == "pending"
                and a["status"] == "approved"
                and (tuple(a["src"]), tuple(a["tgt"])) not in wanted
            )
        for _ in range(10 * len(gold) + 20):
            beads = self.state()["pair"]["beads"]
            k = next(
                (
                    n
                    for n, b in enumerate(beads)
                    if n >= len(gold)
                    or (b["src"], b["tgt"]) != (gold[n][0], gold[n][1])
                    or b["status"] != "approved"
                ),
                None,
            )
            if k is None:
                return
            row, goal = beads[k], {"src": gold[k][0], "tgt": gold[k][1]}
            current = self.state()["current"]
            if (row["src"], row["tgt"]) == (goal["src"], goal["tgt"]):
                first_pending = next(
                    (n for n, b in enumerate(beads) if b["status"] == "pending"), None
                )
                if not (current is None and first_pending == k):
                    self.go_to(k)
                self.press("a")
                continue
            self.go_to(k)
            extra = {side: len(row[side]) > len(goal[side]) for side in ("src", "tgt")}
            if extra["src"] or extra["tgt"]:
                if k + 1 == len(beads):  # the last row: the sentence becomes a row of its own
                    self.press("d" if extra["src"] else "e")
                    continue
                self.side("src" if extra["src"] else "tgt")
                self.press("J")  # the last sentence of that side goes down a row
                continue
            self.press("m")  # too little on a side: take the next row in
            if realign:
                beads = self.state()["pair"]["beads"]
                row = beads[k]
                if (row["src"], row["tgt"]) == (goal["src"], goal["tgt"]):
                    self.press("a")
                    after = self.state()["pair"]["beads"]
                    if k + 1 < len(after) and k + 1 < len(gold):
                        nxt = after[k + 1]
                        if (nxt["src"], nxt["tgt"]) != (gold[k + 1][0], gold[k + 1][1]):
                            self.press("R")
        beads = [(b["src"], b["tgt"], b["status"]) for b in self.state()["pair"]["beads"]]
        raise RuntimeError(f"the simulated translator did not reach the gold: {beads} {gold}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", type=Path, default=REPO / "data" / "output")
    parser.add_argument("--thresholds", default="0.3,0.5,0.7")
    args = parser.parse_args()
    chromium, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and driver_path):
        raise SystemExit("needs Debian's chromium and chromium-driver (make browser)")
    if not (args.data_dir / "corpus.sqlite").exists():
        raise SystemExit(f"no store in {args.data_dir}: run make demo first")
    out = Path(tempfile.mkdtemp(prefix="bench-review-")) / "report"
    subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "report", "--data-dir", str(args.data_dir),
         "-o", str(out)],
        cwd=REPO, check=True, capture_output=True, timeout=600,
    )  # fmt: skip
    store = open_store(args.data_dir / "corpus.sqlite")
    arabic_id = {
        f"{p.site}:{p.translation.site_article_id}": p.original.site_article_id
        for p in store.iter_pairs()
        if p.site == "enab" and p.original is not None and p.status == "paired"
    }
    store.close()
    listing = json.loads(
        (out / "articles.js").read_text(encoding="utf-8").split("=", 1)[1].strip().rstrip(";")
    )
    from selenium import webdriver

    os.environ["SE_OFFLINE"] = "true"
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                     "--window-size=1024,768", "--allow-file-access-from-files"):  # fmt: skip
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(driver_path))
    pages = []
    for entry in listing:
        driver.get((out / entry["page"]).as_uri())
        data = json.loads(driver.find_element("id", "review-data").get_attribute("textContent"))
        review = data["review"]
        if review["pair_id"] in arabic_id:
            gold = gold_beads(
                arabic_id[review["pair_id"]], review["src_sentences"], review["tgt_sentences"]
            )
            right = sum(
                1
                for b in review["beads"]
                if (b["src"], b["tgt"]) in [(s, t) for s, t in gold]
            )
            pages.append((entry["page"], gold, right))
    n_gold = sum(len(g) for _, g, _ in pages)
    n_right = sum(r for _, _, r in pages)
    print(f"{len(pages)} articles, {n_gold} gold beads, machine alignment right on {n_right}")
    print("| strategy | approve-all from | key presses | keys / gold bead | wrongly approved by A "
          "| s |\n|---|---:|---:|---:|---:|---:|")
    runs = [("one by one", None, False)]
    for threshold in [float(t) for t in args.thresholds.split(",")]:
        runs += [("approve-all", threshold, False), ("approve-all+R", threshold, True)]
    for name, threshold, realign in runs:
        started = time.perf_counter()
        translator = Translator(driver)
        driver.get((out / pages[0][0]).as_uri())
        driver.execute_script("localStorage.clear()")
        if threshold is not None:
            driver.execute_script(f"localStorage.setItem('bitext-approve-above', '{threshold}')")
        for number, (page, gold, _) in enumerate(pages):
            if number:  # N until the next of the 40 (the index's order; other sites between)
                target = (out / page).as_uri()
                for _ in range(len(listing)):
                    here = driver.current_url
                    translator.press("N")
                    deadline = time.monotonic() + 10
                    while driver.current_url == here and time.monotonic() < deadline:
                        time.sleep(0.02)
                    if driver.current_url == target:
                        break
            else:
                driver.refresh()
            translator.review(gold, bulk=threshold is not None, realign=realign)
        translator.press("w")
        seconds = time.perf_counter() - started
        print(f"| {name} | {'-' if threshold is None else f'{threshold:.2f}'} | "
              f"{translator.keys} | **{translator.keys / n_gold:.3f}** | "
              f"{translator.wrongly_approved if threshold is not None else '-'} | {seconds:.0f} |",
              flush=True)  # fmt: skip
    driver.quit()


if __name__ == "__main__":
    main()
