"""The README as a newcomer uses it: small enough to read, its commands run as written, its
settings example is valid, its links lead somewhere, and CI runs the test command it gives."""
import os
import re
import shutil
import subprocess
import sys

import pytest

from .conftest import ROOT, run_feeds

README = (ROOT / "README.md").read_text()
BLOCKS = re.findall(r"^ *```(\w*)\n(.*?)^ *```", README, re.DOTALL | re.MULTILINE)
# installing, serving until stopped and running the tests are what CI itself does (.ci/run)
NOT_HERE = ("python3 -m venv", "server.py", "pytest", "git ")


def test_the_readme_is_a_front_door():
    assert len(README.encode()) <= 15_000


def test_ci_runs_the_test_command_the_readme_gives():
    [command] = [line for lang, block in BLOCKS if lang == "sh" for line in block.splitlines()
                 if "pytest" in line and not line.startswith("#")]
    assert command in (ROOT / ".ci" / "run").read_text()


def test_every_feeds_command_in_the_readme_runs_as_written(tmp_path):
    """In a copy of the publication (its settings and seeds), with `feeds` on the PATH."""
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    shutil.copy(ROOT / "feeds.toml", tmp_path / "feeds.toml")
    env = {**os.environ, "PATH": f"{os.path.dirname(sys.executable)}:{os.environ['PATH']}"}
    ran = []
    for lang, block in BLOCKS:
        for line in block.splitlines():
            command = line.split("#")[0].strip()
            if lang != "sh" or not command or command.startswith(NOT_HERE):
                continue
            result = subprocess.run(["bash", "-c", command], cwd=tmp_path, env=env, capture_output=True,
                                    text=True, timeout=120)
            assert result.returncode == 0, (command, result.stderr)
            assert "Traceback" not in result.stderr
            ran.append(command)
    assert ran == ["feeds check", "feeds build",
                   'feeds init my-digest --base-url https://news.example.org/ --title "My digest"',
                   "cd my-digest && feeds build"]
    assert (tmp_path / "public" / "feed.atom").is_file() and (tmp_path / "my-digest" / "public" / "feed.atom").is_file()


def test_the_settings_example_is_a_valid_settings_file(tmp_path):
    [example] = [block for lang, block in BLOCKS if lang == "toml"]
    (tmp_path / "feeds.toml").write_text(example)
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    result = run_feeds("check", cwd=tmp_path)
    assert result.returncode == 0, result.stderr


def anchors(page) -> set[str]:
    """The fragment of each heading, as GitHub makes it."""
    return {re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
            for heading in re.findall(r"^#+ (.+)$", page.read_text(), re.MULTILINE)}


@pytest.mark.parametrize("page", [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))], ids=lambda p: p.name)
def test_every_relative_link_leads_to_a_file_and_heading(page):
    for target, fragment in re.findall(r"\]\(([^)#]*)(?:#([^)]*))?\)", page.read_text()):
        if target.startswith(("http://", "https://")):
            continue
        linked = (page.parent / target) if target else page
        assert linked.exists(), (page.name, target)
        if fragment:
            assert fragment in anchors(linked), (page.name, target, fragment)
