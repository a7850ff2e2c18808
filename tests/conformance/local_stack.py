"""Runs the sigstore-conformance suite's signing tests against the local Sigstore stack, offline.

Load it with `-p local_stack` (this directory on PYTHONPATH). The suite's own files under test/
stay as the suite ships them; this plugin replaces what they would fetch from the internet:

- `identity_token`: the token in CONFORMANCE_IDENTITY_TOKEN, minted by the stack's OIDC issuer
  (the suite reads the identity and the issuer to expect from its claims);
- `staging_config`: the stack's trusted_root.json with signing_config_v2.json (Fulcio, the
  Rekor v2 log and the TSA: what the suite expects of staging, a hashedrekord 0.0.2 entry);
- `production_config`: the stack's trusted_root.json with signing_config.json (Rekor v1 and
  the TSA);
- `project_root`: a directory of this session holding `test/assets` (a link to the suite's
  assets in ../shared/conformance/assets beside the repository) and `selftest-client` (a link
  to ./selftest-client: sigstore-python through the suite's sigstore-python-conformance, given
  the stack's trusted root when the suite passes none).

CONFORMANCE_STACK_DIR names the directory tests/stack/start.sh wrote. The client under test
(`--entrypoint`) is expected to use the stack when the suite passes it no trust material.

Deselected, with the reason printed in the summary: `test_verify` (the bundle-verify cases:
public-good bundles checked against the public-good trust, fetched over TUF when a case brings
no trusted root) and `test_verify_cpython_release_bundles` (needs GITHUB_WORKSPACE with
CPython's release-tracker data). When the assets are absent every test is skipped, saying so.
"""

import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ASSETS = HERE.parent.parent.parent / "shared" / "conformance" / "assets"

DESELECTED = {
    "test_verify": "needs the public-good trust root (fetched over TUF) for most of the "
    "bundle-verify cases; sigseal's own tests run those cases directly",
    "test_verify_cpython_release_bundles": "needs GITHUB_WORKSPACE with CPython's "
    "release-tracker data",
}


class _State:
    stack: Path
    token: str
    root: Path
    deselected: list[str]


_state = _State()


def _required_env(name: str) -> str:
    value = os.environ.get(name, "")
    if not value:
        raise pytest.UsageError(f"local_stack: set {name} (see tests/conformance/README.md)")
    return value


def pytest_configure(config) -> None:
    _state.deselected = []
    _state.stack = Path(_required_env("CONFORMANCE_STACK_DIR")).resolve()
    _state.token = _required_env("CONFORMANCE_IDENTITY_TOKEN").strip()
    for name in ("trusted_root.json", "signing_config.json", "signing_config_v2.json"):
        if not (_state.stack / name).is_file():
            raise pytest.UsageError(f"local_stack: {_state.stack / name} is missing: start the stack")
    root = Path(tempfile.mkdtemp(prefix="conformance-root-"))
    (root / "test").mkdir()
    if ASSETS.is_dir():
        (root / "test" / "assets").symlink_to(ASSETS, target_is_directory=True)
    (root / "selftest-client").symlink_to(HERE / "selftest-client")
    _state.root = root
    # Read by ./selftest-client.
    os.environ["CONFORMANCE_PYTHON"] = sys.executable
    os.environ["CONFORMANCE_TRUSTED_ROOT"] = str(_state.stack / "trusted_root.json")


def pytest_unconfigure(config) -> None:
    root = getattr(_state, "root", None)
    if root is not None:
        shutil.rmtree(root, ignore_errors=True)


def pytest_report_header(config) -> list[str]:
    lines = [f"local_stack: Sigstore stack in {_state.stack}"]
    if not ASSETS.is_dir():
        lines.append(f"local_stack: {ASSETS} is absent: every test is skipped")
    return lines


def _configs() -> dict:
    tr = _state.stack / "trusted_root.json"
    return {
        "identity_token": lambda: _state.token,
        "project_root": lambda: _state.root,
        "staging_config": lambda: (tr, _state.stack / "signing_config_v2.json"),
        "production_config": lambda: (tr, _state.stack / "signing_config.json"),
    }


@pytest.hookimpl(tryfirst=True)
def pytest_fixture_setup(fixturedef, request):
    """Answer the suite's internet-bound fixtures (defined in its conftest.py) locally."""
    make = _configs().get(fixturedef.argname)
    if make is None:
        return None
    value = make()
    # What pytest's own pytest_fixture_setup does with a fixture's value.
    fixturedef.cached_result = (value, fixturedef.cache_key(request), None)
    return value


@pytest.hookimpl(tryfirst=True)
def pytest_pycollect_makeitem(collector, name, obj):
    # test_verify is parametrized at collection time from the assets beside conftest.py, which
    # this tree does not hold: leave it out before that happens.
    if name == "test_verify" and collector.path.name == "test_bundle.py":
        _state.deselected.append(f"{collector.nodeid}::{name}")
        return []
    return None


def pytest_collection_modifyitems(config, items) -> None:
    keep, drop = [], []
    for item in items:
        (drop if item.originalname in DESELECTED else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
        _state.deselected.extend(item.nodeid for item in drop)
    if not ASSETS.is_dir():
        skip = pytest.mark.skip(reason=f"the suite's assets are absent: {ASSETS}")
        for item in items:
            item.add_marker(skip)


def pytest_terminal_summary(terminalreporter) -> None:
    if not _state.deselected:
        return
    terminalreporter.write_sep("-", "deselected by local_stack")
    for nodeid in _state.deselected:
        name = nodeid.rsplit("::", 1)[-1].split("[", 1)[0]
        terminalreporter.write_line(f"{nodeid}: {DESELECTED[name]}")
