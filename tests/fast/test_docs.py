"""Facts in the docs that cannot go stale: each is made from the code or checked against it."""

import re

from click.testing import CliRunner

from companion.cli.main import cli
from tests.docs_reference import PAGE, reference, written
from tests.helpers import ROOT


def test_the_command_reference_is_the_command_tree():
    assert written(PAGE.read_text(encoding="utf-8")) == reference(), (
        "docs/cli.md's command list differs from the commands: run .venv/bin/python -m tests.docs_reference"
    )


def phrase_counts(*args: str) -> list[int]:
    said = CliRunner().invoke(cli, ["voice", "phrases", "settling", *args])
    assert said.exit_code == 0, said.output
    return [int(n) for n in re.findall(r"\d+", said.stderr.splitlines()[-1])]


def test_the_phrase_counts_the_docs_give_are_the_scripts():
    (everything,) = phrase_counts()
    low, _ = phrase_counts("--energy", "low")
    text = " ".join((ROOT / "docs" / "cli.md").read_text().split())
    assert f"every phrase of every energy level ({everything} for settling)" in text
    assert f"lists only the {low} a low-energy session speaks" in text


def test_the_development_page_names_every_system_package_the_set_up_installs():
    script = (ROOT / "setup" / "system-packages.sh").read_text()
    packages = set(re.findall(r"need\+=\(([\w.-]+)\)", script))
    page = (ROOT / "docs" / "development.md").read_text()
    assert packages and {p for p in packages if f"`{p}`" not in page} == set()
