"""The benchmark harness runs end to end at a tiny size and writes its report.

No timing is asserted here: the figures belong in bench/REPORT.md, not in pass/fail.
"""

import subprocess
import sys

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.slow


def test_quick_benchmark_completes_and_writes_a_report(tmp_path):
    report = tmp_path / "report.md"
    finished = subprocess.run(
        [sys.executable, "-m", "bench.run", "--sizes", "200", "--quick", "--report", str(report)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    text = report.read_text()
    assert text.startswith("# Benchmark report")
    for section in ("## Targets", "## Import", "## Search latency", "## HTTP"):
        assert section in text
    assert "| rare word" in text  # a row of the latency table, so the search phase ran


def test_corpus_is_deterministic_and_in_the_seed_format(tmp_path):
    from articles.textformat import parse
    from bench import corpus

    first = corpus.generate(30, tmp_path / "a")
    second = corpus.generate(30, tmp_path / "b")
    files = sorted(p.name for p in (tmp_path / "a").glob("*.txt"))
    assert files == sorted(p.name for p in (tmp_path / "b").glob("*.txt"))
    assert [q.q for q in first.queries] == [q.q for q in second.queries]
    parsed = [article for name in files for article in parse((tmp_path / "a" / name).read_text())]
    assert len(parsed) == 30
    assert all(sum(len(p) for s in a.sections for p in s.paragraphs) >= 800 for a in parsed)
    assert any(a.source == "据《重庆日报》" for a in parsed)
    assert any(len(a.sections) > 1 for a in parsed)
    assert all(a.credits for a in parsed)


def test_the_import_benchmark_compares_a_baseline_with_this_tree(tmp_path):
    from bench import corpus

    corpus.generate(40, tmp_path / "corpus")
    report = tmp_path / "import.md"
    finished = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.importing",
            *("--baseline", "HEAD", "--sizes", "20", "--databases", "sqlite"),
            *("--corpus", str(tmp_path / "corpus"), "--out", str(tmp_path / "out")),
            *("--report", str(report)),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    text = report.read_text()
    assert text.startswith("# Import speed, before and after")
    row = next(line for line in text.splitlines() if "| sqlite |" in line)
    assert row.startswith("| 2")  # the articles of the first days holding at least 20
    assert not (tmp_path / "out" / "baseline").exists()  # the checkout is removed


def test_a_million_articles_is_held_to_its_own_targets():
    from bench import report

    def measured(size):
        latency = {"latency_ms": {"p50": 9.0, "p95": 30.0}}
        workers = [{"uss": 120.0, "pss": 300.0, "rss": 600.0}]
        return {
            "size": size,
            "database": "sqlite",
            "search": {"common": latency},
            "rebuild_fast": [{"seconds": 800.0}],
            "http": {"memory": {"workers": workers}},
        }

    def verdicts(size):
        return {name: met for name, _value, met, _margin in report.targets(measured(size))}

    at_100k, at_1m = verdicts(100_000), verdicts(1_000_000)
    assert at_100k["search p95 ≤ 20 ms, every class"] is False
    assert at_1m["search p95 ≤ 50 ms, every class"] is True
    assert at_100k["each worker's private memory (USS) ≤ 100 MB"] is False
    assert at_1m["each worker's private memory (USS) ≤ 150 MB"] is True
    assert at_100k["rebuild ≤ 90 s per 100k, fast tokeniser (s)"] is False
    assert at_1m["rebuild ≤ 90 s per 100k, fast tokeniser (s)"] is True  # 15 minutes


def test_a_cell_holding_a_bar_stays_one_cell():
    from bench import report

    lines = report.table(["query", "note"], [["解技术", "了解|技术"]]).splitlines()
    assert lines[2] == "| 解技术 | 了解\\|技术 |"
