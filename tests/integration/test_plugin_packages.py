"""The pilot plugins as pip builds them (what `sam build` puts in the PluginsLayer): every data file travels
with the package, and KOBAN runs on the installed copies with nothing missing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PILOTS = ("nl", "pl", "fi", "es", "pt", "be")
REPO = Path(__file__).resolve().parents[2]


def pip_install(target: Path, *packages: Path) -> None:
    """`pip install --target` offline and fast: no dependencies (KOBAN is there), the environment's setuptools."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--target",
            str(target),
            *map(str, packages),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )


@pytest.mark.slow
def test_the_installed_pilots_carry_their_data_and_pass_every_check(tmp_path: Path) -> None:
    # Given the six pilots built and installed by pip into a folder of their own (not the editable source)
    site = tmp_path / "site"
    pip_install(site, *(REPO / "plugins" / f"pilot_{pilot}" for pilot in PILOTS))
    for pilot in PILOTS:
        package = site / f"koban_pilot_{pilot}"
        shipped = {path.relative_to(package).as_posix() for path in package.rglob("*") if path.is_file()}
        source = REPO / "plugins" / f"pilot_{pilot}" / f"koban_pilot_{pilot}"
        wanted = {path.relative_to(source).as_posix() for path in source.rglob("*.json")}
        # Then every data file of the source is in the installed package
        assert wanted <= shipped, (pilot, sorted(wanted - shipped))

    # When KOBAN runs with the installed copies first on the path
    environment = {**os.environ, "PYTHONPATH": str(site)}
    where = subprocess.run(
        [sys.executable, "-c", "import koban_pilot_pl, koban_pilot_fi; print(koban_pilot_pl.__file__)"],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    listing = subprocess.run(
        [str(Path(sys.executable).with_name("koban")), "plugins", "--check", "--json"],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )

    # Then the installed modules are the ones loaded, and every tenant's texts, rules and examples check out
    assert where.stdout.strip().startswith(str(site)), where.stdout
    assert listing.returncode == 0, listing.stderr + listing.stdout[-2000:]
    document = json.loads(listing.stdout)
    assert document["problems"] == []
    origins = {plugin["name"]: plugin["origin"] for plugin in document["plugins"]}
    assert {origins[f"pilot_{pilot}"] for pilot in PILOTS} == {f"koban-pilot-{pilot} 0.1.0" for pilot in PILOTS}
