"""Precision and recall of the key-figure extractor on held-out sentences from several desks.

The sentences (tests/articles/data/figures_heldout.py) were written before the extractor was
tuned for them. A found figure is right when its value, unit and qualifier are an expected
figure's; precision is the share of found figures that are right, recall the share of expected
figures found. Both are printed with every run.
"""

from collections import Counter

from articles.services import figures_in
from tests.articles.data.figures_heldout import HELD_OUT

PRECISION_FLOOR = 0.95
RECALL_FLOOR = 0.90


def test_precision_and_recall_on_held_out_sentences(capsys):
    expected_total = found_total = right = 0
    wrong, missed = [], []
    for sentence, expected in HELD_OUT:
        found = Counter((f.value, f.unit, f.qualifier) for f in figures_in(sentence))
        wanted = Counter(expected)
        matched = found & wanted
        right += sum(matched.values())
        found_total += sum(found.values())
        expected_total += sum(wanted.values())
        wrong += [(sentence, figure) for figure in (found - matched).elements()]
        missed += [(sentence, figure) for figure in (wanted - matched).elements()]
    precision = right / found_total if found_total else 1.0
    recall = right / expected_total
    with capsys.disabled():
        print(
            f"\nkey figures on {len(HELD_OUT)} held-out sentences: precision {precision:.3f} "
            f"({right}/{found_total}), recall {recall:.3f} ({right}/{expected_total})"
        )
        for sentence, figure in wrong:
            print(f"  wrong:  {figure} in {sentence}")
        for sentence, figure in missed:
            print(f"  missed: {figure} in {sentence}")
    assert len(HELD_OUT) >= 40
    assert precision >= PRECISION_FLOOR
    assert recall >= RECALL_FLOOR
