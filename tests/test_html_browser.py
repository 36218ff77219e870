"""The HTML report as a reader sees it, in headless Chromium: loads offline, no console errors, right counts."""

from __future__ import annotations

import os

import pytest
from browser import Page, find_chromium
from conftest import fixture_files

from compliance.domain.outcomes import Outcome

CHROMIUM = find_chromium()
if CHROMIUM is None:
    if os.environ.get("CI") == "true":
        raise RuntimeError("CI=true but chromium is not installed: .ci/run installs it with apt-get")
    pytest.skip("chromium is not installed (Debian package 'chromium'); .ci/run installs it",
                allow_module_level=True)


def test_report_loads_offline_without_errors_and_shows_the_summary(tmp_path, run_cli):
    import json

    path = next(p for p in fixture_files() if p.stem == "northfield-acute")
    page_file = tmp_path / "report.html"
    run_cli("assess", path, "-f", "html", "-o", page_file, "--fail-on", "none")
    _, js, _ = run_cli("assess", path, "-f", "json", "--fail-on", "none")
    report = json.loads(js)
    with Page(CHROMIUM) as page:
        page.open(page_file)
        assert page.console_errors() == []
        assert page.requests() == [page_file.resolve().as_uri()]  # the page itself and nothing else
        shown = page.evaluate("Array.from(document.querySelectorAll('table.counts td')).map(td => td.textContent)")
        assert shown == [str(report["summary"]["outcomes"][o.value]) for o in Outcome] + [str(len(report["findings"]))]
        assert page.evaluate("document.querySelectorAll('figure.chart svg g.row').length") == 7
        assert page.evaluate("document.querySelector('figure.chart svg').getBoundingClientRect().height") > 100
        # the inline script works: filtering to failing findings hides the rest
        visible = page.evaluate("""(() => { const s = document.querySelector('.filter-outcome');
            s.value = 'failing'; s.dispatchEvent(new Event('change'));
            return Array.from(document.querySelectorAll('table.findings tbody tr')).filter(r => !r.hidden).length; })()""")
        failing = sum(f["outcome"] in ("not_met", "insufficient_evidence") for f in report["findings"])
        assert visible == failing
        order = page.evaluate("""(() => { document.querySelector('th[data-sort=rule] button').click();
            return Array.from(document.querySelectorAll('table.findings tbody tr')).map(r => r.dataset.rule); })()""")
        assert order == sorted(f["rule_id"] for f in report["findings"])
        assert page.console_errors() == []


WIDTHS = (1280, 1024, 768, 390)


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """The single-organisation report and the screening page of the three fixtures."""
    import shutil

    from conftest import FIXTURES

    from compliance.cli.main import cli
    from click.testing import CliRunner

    folder = tmp_path_factory.mktemp("pages")
    returns = folder / "returns"
    returns.mkdir()
    for p in fixture_files():
        shutil.copy(p, returns / p.name)
    report, screening = folder / "report.html", folder / "screening.html"
    run = CliRunner().invoke
    assert run(cli, ["assess", str(FIXTURES / "northfield-acute.yaml"), "-f", "html", "-o", str(report),
                     "--fail-on", "none"]).exit_code == 0
    assert run(cli, ["screen", str(returns), "-f", "html", "-o", str(screening), "--fail-on", "none", "-j", "1"]).exit_code == 0
    return {"report": report, "screening": screening}


@pytest.mark.parametrize("kind", ["report", "screening"])
def test_pages_fit_every_width_with_chart_labels_inside(pages, kind, tmp_path):
    """No horizontal scrolling at desktop, laptop, tablet and phone widths; a screenshot of each.
    SAFEGUARD_SCREENSHOTS=docs writes them where the README links them."""
    from pathlib import Path

    shots = Path(os.environ.get("SAFEGUARD_SCREENSHOTS") or tmp_path)
    with Page(CHROMIUM) as page:
        for width in WIDTHS:
            page.resize(width)
            page.open(pages[kind])
            fit = page.overflow()
            assert fit["scrollWidth"] <= fit["clientWidth"] and fit["wide"] == [], (kind, width, fit)
            assert page.clipped_chart_labels() == [], (kind, width)
            shot = shots / f"{kind}-{width}.png"
            page.screenshot(shot)
            assert shot.stat().st_size > 10_000
        assert page.console_errors() == []


def test_the_report_has_key_risks_and_actions(pages):
    with Page(CHROMIUM, width=1024) as page:
        page.open(pages["report"])
        risks = page.evaluate("Array.from(document.querySelectorAll('ol.risks li')).map(li => li.textContent)")
        assert len(risks) == 17 and all("Action:" in r for r in risks)
        assert "Named safeguarding professionals" in risks[0] or "critical" in risks[0]


def test_one_organisations_report_prints_in_at_most_eight_a4_pages(tmp_path, run_cli):
    """The print stylesheet makes a board pack of it: summary, key risks, still to report, one line a finding."""
    import base64
    import re

    from conftest import FIXTURES

    for name in ("northfield-acute", "riverside-community"):
        report = tmp_path / f"{name}.html"
        assert run_cli("assess", FIXTURES / f"{name}.yaml", "-f", "html", "-o", report, "--fail-on", "none")[0] == 0
        with Page(CHROMIUM, width=1024) as page:
            page.open(report)
            pdf = base64.b64decode(page.call("Page.printToPDF", session=True, paperWidth=8.27, paperHeight=11.69,
                                             preferCSSPageSize=True, displayHeaderFooter=False)["data"])
        pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
        assert 1 <= pages <= 8, (name, pages)


@pytest.fixture(scope="module")
def screening_page(tmp_path_factory):
    """A screening of a small generated cohort with --by area: funnels, legend, enquiries, areas by need."""
    from click.testing import CliRunner

    from compliance.app.generate import write_cohort
    from compliance.cli.main import cli

    folder = tmp_path_factory.mktemp("cohort")
    write_cohort(folder / "returns", 60, seed=3)
    out = folder / "screening.html"
    done = CliRunner().invoke(cli, ["screen", str(folder / "returns"), "-f", "html", "-o", str(out), "--by", "area",
                                    "--fail-on", "none", "-j", "1", "--details", "5"])
    assert done.exit_code == 0, done.output
    return out


def test_screening_page_fits_desktop_and_phone_and_filters_without_a_server(screening_page):
    with Page(CHROMIUM) as page:
        for width in (1280, 390):
            page.resize(width)
            page.open(screening_page)
            fit = page.overflow()
            assert fit["scrollWidth"] <= fit["clientWidth"] and fit["wide"] == [], (width, fit)
            assert page.evaluate("document.querySelectorAll('section.funnel svg').length") > 5
            assert page.evaluate("document.querySelector('section.funnel svg').getBoundingClientRect().width") <= width
        # every point is labelled for hover, and the plots name who is outside
        assert page.evaluate("Array.from(document.querySelectorAll('section.funnel circle')).every(c => c.querySelector('title'))")
        terms = page.evaluate("Array.from(document.querySelectorAll('#legend dt')).map(d => d.textContent)")
        assert "c/h/m/l" in terms and any(t.startswith("band:") for t in terms)
        assert {"List", "Group", "National rank (a–b)"} <= set(terms)  # ranks as ranges, groups not surely ordered
        assert "Not a strict order." in page.evaluate("document.querySelector('section.ranking').innerText")
        assert page.evaluate("document.querySelectorAll('#area-need tbody tr').length") >= 1
        assert page.evaluate("document.querySelectorAll('details.enquiries li').length") > 5
        # the controls filter the ranking in the page itself
        assert page.evaluate("document.getElementById('ranking-controls').hidden") is False
        total = page.evaluate("document.querySelectorAll('#ranking tbody tr').length")
        shown = page.evaluate("""(() => { const s = document.querySelector('[data-filter=type]');
            s.value = 'gp_practice'; s.dispatchEvent(new Event('change'));
            return Array.from(document.querySelectorAll('#ranking tbody tr')).filter(r => !r.hidden).map(r => r.dataset.type); })()""")
        assert 0 < len(shown) < total and set(shown) == {"gp_practice"}
        outside = page.evaluate("""(() => { document.querySelector('[data-filter=type]').value = '';
            const c = document.querySelector('[data-filter=outside]'); c.checked = true; c.dispatchEvent(new Event('change'));
            return Array.from(document.querySelectorAll('#ranking tbody tr')).filter(r => !r.hidden).map(r => r.dataset.outside); })()""")
        assert set(outside) <= {"yes"}
        assert page.console_errors() == []


def test_screening_page_without_javascript_shows_the_full_table(screening_page):
    with Page(CHROMIUM, width=390) as page:
        page.call("Emulation.setScriptExecutionDisabled", session=True, value=True)
        page.open(screening_page)
        rows = page.evaluate("document.querySelectorAll('#ranking tbody tr').length")
        assert rows == 60
        fit = page.overflow()
        assert fit["scrollWidth"] <= fit["clientWidth"], fit
        html = screening_page.read_text()
        assert 'id="ranking-controls"' in html and '<div class="controls" hidden id="ranking-controls">' in html
