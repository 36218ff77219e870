from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Property tests: `ci` (the default) is bounded and reproducible; HYPOTHESIS_PROFILE=thorough explores.
_HEALTH = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
settings.register_profile("ci", max_examples=60, deadline=None, derandomize=True, suppress_health_check=_HEALTH)
settings.register_profile("thorough", max_examples=1000, deadline=None, suppress_health_check=_HEALTH)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures" / "organisations"


def pytest_configure(config):
    """Tests never read or write the user's rule cache, not even while collecting: the cache is
    redirected before any test module is imported (a fixture would run only after collection)."""
    if "SAFEGUARD_CACHE_DIR" not in os.environ:  # a caller's own choice (as the collection test makes) stands
        folder = tempfile.mkdtemp(prefix="safeguard-test-cache-")
        config._safeguard_cache = folder
        os.environ["SAFEGUARD_CACHE_DIR"] = folder


def pytest_unconfigure(config):
    folder = getattr(config, "_safeguard_cache", None)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)
        os.environ.pop("SAFEGUARD_CACHE_DIR", None)


@pytest.fixture(scope="session")
def ruleset():
    from compliance.catalogue.loading import load_rules

    return load_rules()


@pytest.fixture(scope="session")
def evaluator(ruleset):
    from compliance.evaluation.evaluator import Evaluator

    return Evaluator(ruleset)


@pytest.fixture
def run_cli():
    """Invoke the CLI in-process; returns (exit code, stdout, stderr)."""
    from click.testing import CliRunner

    from compliance.cli.main import cli

    def run(*args: str):
        result = CliRunner().invoke(cli, list(map(str, args)), catch_exceptions=False)
        return result.exit_code, result.stdout, result.stderr

    return run


def fixture_files() -> list[Path]:
    return sorted(FIXTURES.glob("*.yaml"))


def minimal_return(**sections) -> dict:
    from compliance.app.cases import BASE_RETURN, merge

    # The tests' fragments are written in version 1's terms (read as version 2, windows implied).
    return merge({**BASE_RETURN, "schema_version": "1"}, sections)


sys.path.insert(0, str(ROOT / "tests"))
