"""The offline conformance oracle (RFC 4287 RELAX NG, JSON Feed 1.1 schema, feedparser) on real exports.

The oracle lives beside this checkout (../shared/oracles/validate) where the team's tools are
installed; elsewhere these tests are skipped and say why.
"""
import subprocess

import pytest

from .conftest import ROOT, copy_seeds, run_feeds

ORACLE = ROOT.parent / "shared" / "oracles" / "validate"
pytestmark = pytest.mark.skipif(not ORACLE.exists(), reason=f"no conformance oracle at {ORACLE}")

HOSTILE = ("2 June, 2021\n\nA <script>alert(1)</script> & ]]> title, Q&A\n\n"
           "Body with <b>tags</b> & ampersands ]]> and “quotes”.\n\n"
           "1 June, 2021\n\nCuraçao and Panamá: 10 years of migrant smuggling cases\n\nA body.\n")


def validate(folder):
    result = subprocess.run([str(ORACLE), str(folder)], capture_output=True, text=True, timeout=300)
    return result.returncode, result.stdout


@pytest.mark.parametrize("digest", ["shipped", "hostile", "archived"])
def test_export_passes_the_oracle(seeds, tmp_path, digest):
    """The shipped digest; hostile text; 180 items, so every feed has archive pages and WebSub links."""
    args = ["--seeds", seeds.folder]
    if digest == "shipped":
        copy_seeds(tmp_path)  # seeds.folder
    if digest == "hostile":
        seeds("digest.txt", HOSTILE)
    if digest == "archived":
        import sys
        sys.path.insert(0, str(ROOT / "bench"))
        import corpus
        corpus.write(180, seeds.folder)
        args += ["--hub", "http://127.0.0.1:9/hub"]  # advertised; the failed ping is only a warning
    out = tmp_path / "public"
    assert run_feeds("build", "--out", out, "--base-url", "https://feeds.example.org/", *args).returncode == 0
    code, report = validate(out)
    assert code == 0, report
    assert report.strip().endswith(", 0 failed")
