"""The build report: a static page that a real headless browser renders with the counts, the concept tree and its
thumbnails, with hostile catalog text escaped."""

from __future__ import annotations

import json
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from conftest import DEMO_DIR
from PIL import Image
from typer.testing import CliRunner

from kgbuild import evaluate, pipeline, quarantine, report
from kgbuild.cli import app
from kgbuild.errors import BadInput
from kgbuild.quarantine import Rejected
from kgbuild.settings import Settings
from kgbuild.workdir import Layout, read_json, read_parquet, write_json

HOSTILE = '<script>alert("x")</script><img src="x" onerror="alert(1)">'


class Page(HTMLParser):
    """What the tests check in a page: concept <details> (and the top-level ones), thumbnail sources, the counts
    tiles and any element a hostile text could have injected."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.details: list[bool] = []  # open <details>: whether each is a concept
        self.concepts = self.roots = self.scripts = 0
        self.thumbs: list[str] = []
        self.other_images: list[str] = []
        self.counts: dict[str, str] = {}
        self.text: list[str] = []
        self._count: str | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        classes = (attributes.get("class") or "").split()
        if tag == "details":
            concept = "concept" in classes
            self.concepts += concept
            self.roots += concept and not any(self.details)
            self.details.append(concept)
        elif tag == "img":
            (self.thumbs if "thumb" in classes else self.other_images).append(attributes.get("src") or "")
        elif tag == "script":
            self.scripts += 1
        self._count = attributes.get("data-count", self._count)

    def handle_endtag(self, tag: str) -> None:
        if tag == "details":
            self.details.pop()
        self._count = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._count:
            self.counts[self._count] = data.strip()


def chromium(profile: Path, *args: str) -> str:
    """Runs Debian's chromium headless; its stdout."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.fail("chromium is not installed: run scripts/setup.sh, which installs it (apt-get install chromium)")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={profile}"]
    return subprocess.run([browser, *flags, *args], capture_output=True, text=True, timeout=90, check=True).stdout


@pytest.fixture(scope="module")
def built(tmp_path_factory, demo_catalog) -> Layout:
    """The demo catalog built offline (no Neo4j) through the images stage, scored on its category column, with a
    hostile row in the images stage's quarantine; then its report."""
    layout = Layout(tmp_path_factory.mktemp("report-build"))
    pipeline.begin_build(demo_catalog, layout.root, Settings(clip_model="none", image_roots=[str(DEMO_DIR)]))
    for stage in ("ingest", "concepts", "hierarchy", "images"):
        pipeline.run_stage(stage, layout.root)
    evaluate.report(layout.root, ["category"])
    hostile = Rejected(7, HOSTILE, "images", "image", f"not an image: {HOSTILE}", {"title": HOSTILE})
    quarantine.write([hostile, hostile], layout.quarantine("images"))
    return layout


def test_report_in_headless_chromium(built, tmp_path):
    index = report.write(built.root)
    assert index == built.root / "reports" / read_json(built.build_file)["version"] / "index.html"
    screenshot = tmp_path / "report.png"
    chromium(tmp_path / "profile", f"--screenshot={screenshot}", "--window-size=1280,2000", index.as_uri())
    assert screenshot.stat().st_size > 20_000
    with Image.open(screenshot) as shot:
        assert shot.size == (1280, 2000)
        assert any(low != high for low, high in shot.convert("RGB").getextrema()), "the screenshot is one colour"

    page = Page(chromium(tmp_path / "profile", "--dump-dom", index.as_uri()))
    accepted = read_json(built.stage_marker("ingest"))["report"]["accepted"]
    assert page.counts["products"].replace(",", "") == str(accepted) == "240"
    concepts = read_parquet(built.concepts)
    assert len(concepts) <= report.MAX_CONCEPTS  # the demo's tree is shown whole
    assert page.concepts == len(concepts)
    assert page.roots == concepts["parent_id"].isna().sum() > 1
    assert len(page.thumbs) > 50
    for src in page.thumbs:
        thumb = index.parent / src
        assert thumb.is_relative_to(index.parent / "thumbs") and thumb.is_file(), src
        with Image.open(thumb) as image:
            image.load()
            assert max(image.size) <= report.THUMB_PX
    text = " ".join(page.text)
    assert "category" in text and "coverage" in text  # the eval figures
    assert HOSTILE in text and page.scripts == 0 and page.other_images == []  # shown as text, never as markup


def test_tree_is_capped_at_the_largest_concepts(built, tmp_path):
    shutil.copytree(built.root, tmp_path / "work")
    html = report.write(tmp_path / "work", max_concepts=20).read_text()
    built_concepts = pq.read_metadata(Layout(tmp_path / "work").concepts).num_rows
    assert 0 < Page(html).concepts <= 20 < built_concepts and f"20 of {built_concepts} concepts" in html


def test_partial_build_reports_what_its_stages_produced(built, tmp_path):
    shutil.copytree(built.root, tmp_path / "work")
    layout = Layout(tmp_path / "work")
    build = read_json(layout.build_file)
    write_json({**build, "completed": ["ingest"]}, layout.build_file)
    page = Page(report.write(layout.root).read_text())
    assert page.counts["products"] == "240" and page.counts["concepts"] == "—"
    assert page.concepts == 0 and "hierarchy stage has not run" in " ".join(page.text)


def test_no_build_is_a_clear_error(tmp_path):
    with pytest.raises(BadInput, match="no build here"):
        report.write(tmp_path)
    result = CliRunner().invoke(app, ["report", "-w", str(tmp_path)])
    assert result.exit_code == 2 and "no build here" in result.output


def test_cli_report_regenerates_it_and_prints_its_path(built, tmp_path):
    shutil.copytree(built.root, tmp_path / "work")
    index = tmp_path / "work" / "reports" / read_json(built.build_file)["version"] / "index.html"
    index.unlink(missing_ok=True)
    result = CliRunner().invoke(app, ["report", "-w", str(tmp_path / "work")])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"written: {index}" and Page(index.read_text()).thumbs


def test_eval_json_of_another_build_is_flagged(built, tmp_path):
    shutil.copytree(built.root, tmp_path / "work")
    eval_file = tmp_path / "work" / "reports" / "eval.json"
    eval_file.write_text(json.dumps({**read_json(eval_file), "version": "older"}))
    assert "from build older" in report.write(tmp_path / "work").read_text()
