"""`jdoffice search` loads what searching needs and nothing else: not the ORM and its models,
not Qt, the payment providers, the mail and SMS senders, nor the other commands' modules. The
modules are the check (a time would depend on the machine); ``bench/bench_cli.py`` times it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from jdoffice.cli import LAZY_COMMANDS, cli
from tests.e2e.conftest import REPO_ROOT, assert_ok, child_env, run_cli

#: Runs ``jdoffice ARGS`` as the console script does, then writes the names of the modules it
#: loaded to the file given first.
PROBE = """\
import json, sys
out, sys.argv = sys.argv[1], ["jdoffice", *sys.argv[2:]]
from jdoffice.main import main
try:
    main()
except SystemExit as exc:
    code = exc.code
with open(out, "w", encoding="utf-8") as f:
    json.dump({"code": code, "modules": sorted(sys.modules)}, f)
"""

#: Not loaded by a search: what other commands, the desk window and the providers need.
NOT_FOR_SEARCH = (
    "sqlalchemy.orm",
    "jdoffice.adapters.orm",
    "jdoffice.adapters.uow",
    "jdoffice.adapters.local_store",
    "jdoffice.adapters.config",
    "jdoffice.services.desk",
    "jdoffice.services.payments",
    "jdoffice.gui",
    "jdoffice.printing",
    "PySide6",
    "stripe",
    "httpx",
    "alembic",
    "keyring",
)


def loaded_by(out: Path, *args: str) -> tuple[int, set[str], str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(out), *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=REPO_ROOT,
        env=child_env(),
        timeout=120,
        check=False,
    )
    assert "Traceback" not in done.stderr, done.stderr
    doc = json.loads(out.read_text("utf-8"))
    return int(doc["code"] or 0), set(doc["modules"]), done.stdout


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('imports') / 'demo.sqlite3'}"
    assert_ok(run_cli(url, "demo", "--students", "30"))
    return url


def test_search_finds_students_without_loading_the_orm_qt_or_the_providers(
    demo_url: str, tmp_path: Path
) -> None:
    code, modules, stdout = loaded_by(tmp_path / "modules.json", "--db", demo_url, "search", "s")
    assert code == 0
    assert stdout.startswith("Student    Name")
    assert len(stdout.splitlines()) > 1, stdout
    loaded = sorted(
        m for m in modules for prefix in NOT_FOR_SEARCH if m == prefix or m.startswith(f"{prefix}.")
    )
    assert loaded == []


def test_search_loads_no_other_command(demo_url: str, tmp_path: Path) -> None:
    code, modules, _ = loaded_by(
        tmp_path / "modules.json", "--db", demo_url, "search", "--json", "s"
    )
    assert code == 0
    others = {target.partition(":")[0] for target in LAZY_COMMANDS.values()}
    others.discard("jdoffice.cli.students")
    assert sorted(others & modules) == []


@pytest.mark.parametrize("name", sorted(LAZY_COMMANDS))
def test_every_command_loads_under_its_own_name(name: str) -> None:
    command = cli.get_command(click.Context(cli), name)
    assert command is not None
    assert command.name == name


def test_help_lists_every_command_with_its_help_text() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0, result.output
    listed = dict(
        line.split(maxsplit=1)
        for line in result.output.split("Commands:")[1].splitlines()
        if line.startswith("  ") and not line.startswith("   ")
    )
    assert set(listed) == {*LAZY_COMMANDS, "demo", "gui"}
    assert all(text.strip() for text in listed.values()), listed
