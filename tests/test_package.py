"""The package as a user installs it: a wheel built from this tree, installed into a fresh
virtualenv, run from a folder outside the repository.

Offline: the wheel is built without build isolation (the dev extra brings setuptools) and
installed with --no-deps; the new virtualenv finds the dependencies through a .pth line
naming this virtualenv's site-packages (which adds that folder, but runs none of its .pth
files: the editable install of this tree stays out of sight).
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.package


def _backend_missing() -> str | None:
    try:
        import setuptools
    except ImportError:
        return "setuptools is not installed"
    if int(setuptools.__version__.split(".")[0]) < 77:
        return f"setuptools {setuptools.__version__} < 77 (pyproject's build backend)"
    return None


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """(the wheel, the new virtualenv's bin folder)."""
    if reason := _backend_missing():
        pytest.skip(f"no build backend: {reason}")
    tmp = tmp_path_factory.mktemp("package")
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(tmp / "dist"), str(ROOT)],
        check=True,
        timeout=120,
    )
    (wheel,) = (tmp / "dist").glob("migrator-*.whl")
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [*pip, "--python", str(python), "install", "--no-deps", "--no-index", str(wheel)],
        check=True,
        timeout=120,
    )
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    Path(site, "project-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    yield wheel, venv / "bin"


def run(bin_dir: Path, cwd: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BUTTER_", "MIGRATOR_"))}
    env.update(COLUMNS="160", PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}")
    return subprocess.run(
        [str(bin_dir / args[0]), *args[1:]],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_the_wheel_holds_the_mappings_the_samples_and_the_licence(installed):
    wheel, _ = installed
    names = zipfile.ZipFile(wheel).namelist()
    shipped = {n.removeprefix("migrator/mappings/") for n in names if "/mappings/" in n}
    assert shipped == {p.name for p in (ROOT / "mappings").glob("*.toml")}
    samples = {n.removeprefix("migrator/samples/") for n in names if "/samples/" in n}
    assert samples == {p.name for p in (ROOT / "migrator" / "samples").iterdir()}
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
    assert "License-Expression: MIT" in zipfile.ZipFile(wheel).read(metadata).decode()


def test_installed_init_demo_and_emulator_work_outside_the_repository(installed, tmp_path):
    _, bin_dir = installed
    where = run(bin_dir, tmp_path, "python", "-c", "import migrator; print(migrator.__file__)")
    assert where.returncode == 0, where.stderr
    assert Path(where.stdout.strip()).is_relative_to(bin_dir.parent)  # not this tree

    init = run(bin_dir, tmp_path, "migrator", "init", "proj")
    assert init.returncode == 0, init.stdout + init.stderr
    assert "wrote proj/migrator.toml" in init.stdout
    assert "wrote proj/mappings/content-model.toml" in init.stdout
    assert "wrote proj/samples/team_members.csv" in init.stdout
    assert (tmp_path / "proj" / ".gitignore").read_text().startswith("# What migrator runs leave")
    again = run(bin_dir, tmp_path, "migrator", "init", "proj")
    assert again.returncode == 2 and "--force overwrites them" in again.stderr

    # The starter project plans a run of its own samples.
    dry = run(
        bin_dir, tmp_path / "proj", "migrator", "run", "mappings/team_members.toml", "--dry-run"
    )
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert "new (would be created)" in dry.stdout and "12" in dry.stdout

    demo = run(bin_dir, tmp_path, "migrator", "demo", "--workdir", "demo", timeout=120)
    assert demo.returncode == 0, demo.stdout + demo.stderr
    assert "Second run: the ledger remembers, nothing is re-sent" in demo.stdout
    assert "team_members.toml" in demo.stdout and "wordpress_posts.toml" in demo.stdout

    help_ = run(bin_dir, tmp_path, "migrator", "emulator", "--help")
    assert help_.returncode == 0 and "--sample-media" in help_.stdout

    # Here there is no mappings/ folder: the emulator serves the shipped example model.
    with subprocess.Popen(
        [str(bin_dir / "migrator"), "--log-level", "warning", "emulator", "--port", "0"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as emulator:
        assert emulator.stdout is not None
        first = emulator.stdout.readline()
        emulator.terminate()
        rest, _ = emulator.communicate(timeout=10)
    assert first.startswith("listening on http://127.0.0.1:"), first + rest
