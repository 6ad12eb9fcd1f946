"""The dossiers in a real browser: headless Chromium driven by Selenium.

Debian's ``chromium`` and ``chromium-driver`` are installed when missing (as root, ``apt-get update``
first); where that is impossible the tests skip with the reason, like the SLURM tests. Each page is
opened from disk (file://, no server, no network: the pages must be self-contained): no console error,
every section present, the variant table sorts by VAF and filters by gene, and, in a cohort with
actionability (synthetic until that step is merged), the tier I row is visible without scrolling.
Screenshots are written under each test's tmp dir.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pandas as pd
import pytest

from precisionflow.dossier.build import Header
from precisionflow.dossier.pipeline import build_all
from precisionflow.dossier.synthetic import patient_ids, write_sources

SECTION_IDS = ["summary", "therapy", "genomic", "omics", "prediction", "outcome", "pgx", "methods"]
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=1280,900",
]  # fmt: skip
PACKAGES = ["chromium", "chromium-driver"]


def chromium_paths() -> tuple[str, str]:
    """(browser, driver); installs Debian's packages when missing, else skips with the reason."""
    browser, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if browser and driver:
        return browser, driver
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        pytest.skip(
            "chromium and chromium-driver are not installed, and apt-get cannot install them here (not root or no apt)"
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (
        ["apt-get", "update", "-qq"],
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *PACKAGES],
    ):
        result = subprocess.run(command, capture_output=True, text=True, timeout=900, env=env, check=False)
        if result.returncode != 0:
            pytest.skip(f"{' '.join(command[:2])} failed: {result.stderr.strip()[-300:]}")
    browser, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (browser and driver):
        pytest.skip("chromium or chromedriver still missing after apt-get install")
    return browser, driver


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    binary, driver_path = chromium_paths()
    options = Options()
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    options.add_argument(f"--user-data-dir={profile}")
    options.binary_location = binary
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    try:
        driver = webdriver.Chrome(options=options, service=Service(driver_path))
    except WebDriverException as error:
        pytest.skip(f"chromium did not start: {error.msg}")
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def open_page(driver, path: Path) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get_log("browser")  # drop what earlier pages logged
    driver.get(path.resolve().as_uri())
    # the variant table is ready once DataTables has wrapped it (the bundle loads as a module)
    if driver.execute_script("return document.getElementById('variants') !== null"):
        WebDriverWait(driver, 30).until(
            lambda d: d.execute_script("return document.getElementById('variants_wrapper') !== null")
        )


def console_errors(driver) -> list[str]:
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def visible_column(driver, header: str) -> list[str]:
    """The texts of one column of the variant table's displayed rows."""
    return driver.execute_script(
        """const ths = [...document.querySelectorAll('#variants thead th')].map(th => th.textContent.trim());
           const k = ths.indexOf(arguments[0]);
           return [...document.querySelectorAll('#variants tbody tr')].map(tr => tr.children[k].textContent.trim());""",
        header,
    )


def check_page(driver, page: Path, shots: Path, maf_genes: list[str] | None) -> None:
    """No console error, every section, and (when the patient has variants) sorting and filtering."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    open_page(driver, page)
    driver.save_screenshot(str(shots / f"{page.stem}.png"))
    for section in SECTION_IDS:
        assert driver.find_element(By.ID, section).is_displayed(), section
    if maf_genes is not None:
        assert len(visible_column(driver, "gene")) == min(25, len(maf_genes))  # first page of 25 rows
        # itables orders a column from the arrow button of its header ("VAF: Activate to sort")
        column = driver.find_element(By.XPATH, "//table[@id='variants']/thead//th[normalize-space()='VAF']")
        button = column.find_element(By.XPATH, ".//*[@role='button']")
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
        button.click()
        WebDriverWait(driver, 10).until(lambda d: column.get_attribute("aria-sort") == "ascending")
        ascending = [float(v) for v in visible_column(driver, "VAF")]
        assert ascending == sorted(ascending) and len(ascending) > 1
        button.click()
        WebDriverWait(driver, 10).until(lambda d: column.get_attribute("aria-sort") == "descending")
        descending = [float(v) for v in visible_column(driver, "VAF")]
        assert descending == sorted(descending, reverse=True) and descending[0] == max(ascending + descending)
        gene = min(maf_genes)
        search = driver.find_element(By.CSS_SELECTOR, "#variants_wrapper input[type=search]")
        search.send_keys(gene)
        shown = visible_column(driver, "gene")
        assert shown and all(gene in g for g in shown)
        assert len(shown) == min(25, sum(gene in g for g in maf_genes))
        driver.save_screenshot(str(shots / f"{page.stem}.filtered.png"))
    assert not console_errors(driver), console_errors(driver)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("synthetic_dossiers")
    header = Header("synthetic", "2026-11-30", "0.1.0", "GRCh38", [], {"S0000": "BRCA"})
    sources = write_sources(folder / "results", patient_ids(30))
    build_all(patient_ids(30), sources, header, folder / "dossiers")
    return folder


def test_synthetic_dossier_with_every_source(browser, synthetic: Path, tmp_path: Path) -> None:
    maf = pd.read_csv(synthetic / "results/variants/S0000.maf.tsv", sep="\t")
    check_page(browser, synthetic / "dossiers/S0000.html", tmp_path, maf["Hugo_Symbol"].tolist())


def test_tier_i_row_is_visible_above_the_fold(browser, synthetic: Path, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    open_page(browser, synthetic / "dossiers/S0000.html")
    row = browser.find_element(By.CSS_SELECTOR, "#therapy-table tr[data-tier='I-A'][data-gene='ERBB2']")
    box = browser.execute_script(
        "const r = arguments[0].getBoundingClientRect(); return [r.top, r.bottom, window.innerHeight];", row
    )
    browser.save_screenshot(str(tmp_path / "above_the_fold.png"))
    assert row.is_displayed() and "Trastuzumab" in row.text
    assert 0 <= box[0] and box[1] <= box[2], box


def test_cohort_index_links_open(browser, synthetic: Path, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    open_page(browser, synthetic / "dossiers/index.html")
    links = browser.find_elements(By.CSS_SELECTOR, "#patient-index a[href$='.html']")
    assert len(links) == 30
    links[0].click()
    assert browser.find_element(By.TAG_NAME, "h1").text == "Patient dossier: S0000"
    assert not console_errors(browser)


@pytest.mark.workflow
def test_three_demo_dossiers(browser, demo_run: Path, truth: dict, tmp_path: Path) -> None:
    """A HER2-amplified patient, a PIK3CA-hotspot patient and one without variants (when the demo has one)."""
    patients = truth["patients"]
    her2 = next(p for p, t in patients.items() if t.get("copy_number_calls", {}).get("ERBB2") == "amp")
    hotspot = next(p for p, t in patients.items() if t.get("hotspots") and p != her2)
    without = next((p for p, t in patients.items() if not t.get("has_variants")), None)
    third = without or next(p for p in sorted(patients) if p not in (her2, hotspot))
    folder = demo_run / "results/report/patients"
    for patient in (her2, hotspot, third):
        maf = demo_run / f"results/variants/{patient}.maf.tsv"
        genes = pd.read_csv(maf, sep="\t", comment="#")["Hugo_Symbol"].tolist() if maf.exists() else None
        check_page(browser, folder / f"{patient}.html", tmp_path, genes)
    from selenium.webdriver.common.by import By

    open_page(browser, folder / f"{her2}.html")
    events = browser.find_element(By.ID, "cn-events").text
    assert "ERBB2 amp" in events


@pytest.fixture(scope="module")
def breast_dossier(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Path:
    """The real breast cohort (tests/test_targets_workflow.py's project) run to A04W's dossier."""
    from tests.conftest import run_snakemake
    from tests.test_targets_workflow import breast_project

    project = breast_project(tmp_path_factory.mktemp("breast_dossier"), shared_data)
    run_snakemake(
        project,
        "--configfile",
        str(project / "config.yaml"),
        "--",
        "results/report/patients/A04W.html",
        check=True,
        timeout=1800,
    )
    return project


@pytest.mark.workflow
def test_a04w_dossier_from_real_data(browser, breast_dossier: Path, tmp_path: Path) -> None:
    """HER2-amplified A04W: its page passes the same checks; ERBB2's amplification is listed, and when
    the actionability step runs, its tier I row is visible without scrolling."""
    from selenium.webdriver.common.by import By

    maf = pd.read_csv(breast_dossier / "results/variants/A04W.maf.tsv", sep="\t", comment="#")
    page = breast_dossier / "results/report/patients/A04W.html"
    check_page(browser, page, tmp_path, maf["Hugo_Symbol"].tolist())
    assert "ERBB2 amp" in browser.find_element(By.ID, "cn-events").text
    tier_i = browser.find_elements(By.CSS_SELECTOR, "#therapy-table tr[data-tier^='I-'][data-gene='ERBB2']")
    if browser.find_elements(By.ID, "therapy-table"):
        assert tier_i, "the actionability step ran but lists no tier I row for ERBB2"
        browser.execute_script("window.scrollTo(0, 0)")  # check_page scrolled down to the variant table
        box = browser.execute_script(
            "const r = arguments[0].getBoundingClientRect(); return [r.top, r.bottom, window.innerHeight];", tier_i[0]
        )
        assert 0 <= box[0] and box[1] <= box[2], box
