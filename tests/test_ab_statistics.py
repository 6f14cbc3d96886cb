"""A/B tests' statistics and balanced assignment: plain pytest, no database
(``models/ab_test.py``).

Reference values are computed independently of the code under test:

* the z statistic from the 2x2 table's Pearson chi-square (no pooled standard error):
  chi2 = N (ad - bc)^2 / ((a + b)(c + d)(a + c)(b + d)) and z^2 = chi2 for two proportions;
* p-values by integrating the normal density with Simpson's rule (no ``erfc``), and
  checked against the standard normal table (Phi(1.96) = 0.9750, Phi(2.576) = 0.9950,
  Phi(3.29) = 0.9995);
* by hand, 120 replies of 1,000 emails against 75 of 1,000 (12.0% vs 7.5%):
  pooled p = 195 / 2000 = 0.0975, p(1 - p) = 0.0975 x 0.9025 = 0.08799375,
  SE = sqrt(0.08799375 x (1/1000 + 1/1000)) = sqrt(0.0001759875) = 0.0132660,
  z = (0.120 - 0.075) / 0.0132660 = 3.3921; chi-square: a=120, b=880, c=75, d=925,
  ad - bc = 111000 - 66000 = 45000, chi2 = 2000 x 45000^2 / (1000 x 1000 x 195 x 1805)
  = 4.05e12 / 3.51975e11 = 11.5065 = 3.3921^2; the normal table gives Phi(3.39) = 0.99965,
  so p = 2 x 0.00035 = 0.0007;
* a published worked example (homeworksource.com, "Find the test statistic z", claim
  p1 != p2): x1 = 140 of n1 = 200, x2 = 255 of n2 = 340: pooled p = 0.7314815,
  SE = 0.03949401, z = -1.266015 (its p-value is one-sided; two-sided from the table:
  Phi(1.27) = 0.8980 -> about 0.205);
* Holm's method: the example of Wikipedia's "Holm–Bonferroni method" article: p-values
  0.01, 0.03, 0.04, 0.005 at alpha = 0.05, hypotheses 1 and 4 rejected, 2 and 3 not;
  adjusted by hand (sorted 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1, running maximum):
  0.03, 0.06, 0.06, 0.02 (what R's ``p.adjust(..., "holm")`` prints for that input).
"""

import math
import random
from collections import Counter

import pytest

from odoo.addons.crm_sequence.models import ab_test
from odoo.addons.crm_sequence.models.ab_test import Arm, balanced_assignment, decide, format_p, holm_adjusted


def simpson_two_sided(z, steps=20000, span=12.0):
    """2 (1 - Phi(|z|)) by integrating the normal density from |z| to |z| + span."""
    a, b = abs(z), abs(z) + span
    h = (b - a) / steps
    density = lambda t: math.exp(-t * t / 2) / math.sqrt(2 * math.pi)  # noqa: E731
    total = density(a) + density(b)
    total += sum((4 if i % 2 else 2) * density(a + i * h) for i in range(1, steps))
    return 2 * total * h / 3


def chi_square_z(x1, n1, x2, n2):
    """|z| from the 2x2 table's Pearson chi-square."""
    a, b, c, d = x1, n1 - x1, x2, n2 - x2
    n = n1 + n2
    return math.sqrt(n * (a * d - b * c) ** 2 / ((a + b) * (c + d) * (a + c) * (b + d)))


# ----------------------------------------------------------------------
# Two-proportion z-test
# ----------------------------------------------------------------------


def test_hand_computed_example():
    """12.0% vs 7.5% of 1,000 emails each (the module docstring's hand computation)."""
    assert chi_square_z(120, 1000, 75, 1000) == pytest.approx(3.3921, abs=5e-5)
    p_value = ab_test.two_proportion_p_value(120, 1000, 75, 1000)
    assert p_value == pytest.approx(simpson_two_sided(3.39212), rel=1e-4)
    assert p_value == pytest.approx(0.0007, abs=5e-5)  # normal table: 2 x (1 - 0.99965)


def test_published_example():
    """homeworksource.com's worked example: z = -1.266015 with SE 0.03949401."""
    pooled = (140 + 255) / (200 + 340)
    assert pooled == pytest.approx(0.7314815, abs=1e-7)
    assert math.sqrt(pooled * (1 - pooled) * (1 / 200 + 1 / 340)) == pytest.approx(0.03949401, abs=1e-8)
    assert chi_square_z(140, 200, 255, 340) == pytest.approx(1.266015, abs=1e-6)
    p_value = ab_test.two_proportion_p_value(140, 200, 255, 340)
    assert p_value == pytest.approx(simpson_two_sided(1.266015), rel=1e-5)
    assert p_value == pytest.approx(0.205, abs=0.002)  # 2 x (1 - Phi(1.266)) from the table
    # two-sided: the order of the variants does not matter
    assert ab_test.two_proportion_p_value(255, 340, 140, 200) == pytest.approx(p_value, rel=1e-12)


@pytest.mark.parametrize(
    ("x1", "n1", "x2", "n2"),
    [(11, 100, 9, 100), (48, 400, 30, 400), (96, 800, 60, 800), (150, 1000, 117, 1000), (3, 40, 12, 70)],
)
def test_against_chi_square_and_integration(x1, n1, x2, n2):
    """Other tables: the same z as the chi-square, the same p as integrating the density."""
    z = chi_square_z(x1, n1, x2, n2)
    assert ab_test.two_proportion_p_value(x1, n1, x2, n2) == pytest.approx(simpson_two_sided(z), rel=1e-6)


def test_normal_table_critical_values():
    """The table's critical values give the textbook levels: the test's tail is right."""
    for z, level in ((1.959964, 0.05), (2.575829, 0.01), (3.290527, 0.001)):
        assert simpson_two_sided(z) == pytest.approx(level, rel=1e-5)
    assert ab_test.two_proportion_p_value(0, 100, 0, 100) == 1.0, "nothing happened: nothing to tell apart"
    assert ab_test.two_proportion_p_value(100, 100, 100, 100) == 1.0
    assert ab_test.two_proportion_p_value(5, 0, 1, 10) == 1.0, "no emails sent: no test"


# ----------------------------------------------------------------------
# Holm
# ----------------------------------------------------------------------


def test_holm_wikipedia_example():
    adjusted = holm_adjusted([0.01, 0.03, 0.04, 0.005])
    assert adjusted == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert [p <= 0.05 for p in adjusted] == [True, False, False, True]


def test_holm_one_comparison_is_the_raw_p_value():
    assert holm_adjusted([0.031]) == [0.031]
    assert holm_adjusted([0.7, 0.9]) == [1.0, 1.0], "adjusted p-values never exceed 1"


# ----------------------------------------------------------------------
# Decisions
# ----------------------------------------------------------------------


def test_decision_sample_missing():
    decision = decide([Arm("A", 63, 9), Arm("B", 100, 20)], min_sample=100, confidence=95)
    assert decision.outcome == ab_test.SAMPLE
    assert decision.missing == 37
    assert decision.winner is None
    assert decision.best.key == "B"
    assert decision.p_value is not None, "the p-value so far is known once both sent"
    assert decide([Arm("A", 0, 0), Arm("B", 0, 0)], 100, 95).missing == 200


def test_decision_not_significant():
    """11 replies against 9 "win" in other tools: here p = 0.64."""
    decision = decide([Arm("A", 100, 9), Arm("B", 100, 11)], min_sample=100, confidence=95)
    assert decision.outcome == ab_test.NOT_SIGNIFICANT
    assert decision.best.key == "B" and decision.runner_up.key == "A"
    assert decision.p_value == pytest.approx(simpson_two_sided(chi_square_z(11, 100, 9, 100)), rel=1e-6)
    assert format_p(decision.p_value) == "p = 0.64"


def test_decision_significant():
    decision = decide([Arm("A", 800, 60), Arm("B", 800, 96)], min_sample=100, confidence=95)
    assert decision.outcome == ab_test.WINNER
    assert decision.winner.key == "B"
    assert decision.p_value == pytest.approx(simpson_two_sided(chi_square_z(96, 800, 60, 800)), rel=1e-6)
    assert format_p(decision.p_value) == "p = 0.002"
    # the same figures at 99.9% confidence are not enough
    assert decide([Arm("A", 800, 60), Arm("B", 800, 96)], 100, 99.9).outcome == ab_test.NOT_SIGNIFICANT


def test_decision_three_variants_holm():
    """A beats B (raw p = 0.030) and C (raw p = 0.042): both below 0.05, but Holm's
    correction for two comparisons gives max(2 x 0.030, 0.042) = 0.060: no winner at 95%;
    at 90% A wins."""
    arms = [Arm("A", 1000, 150), Arm("B", 1000, 117), Arm("C", 1000, 119)]
    raw_b = simpson_two_sided(chi_square_z(150, 1000, 117, 1000))
    raw_c = simpson_two_sided(chi_square_z(150, 1000, 119, 1000))
    assert raw_b == pytest.approx(0.0300, abs=5e-5) and raw_c == pytest.approx(0.0422, abs=5e-5)
    decision = decide(arms, 100, 95)
    assert decision.outcome == ab_test.NOT_SIGNIFICANT
    assert decision.p_value == pytest.approx(max(2 * raw_b, raw_c), rel=1e-5)
    assert decision.runner_up.key == "C", "the best of the others"
    assert decide(arms, 100, 90).winner.key == "A"


def test_decision_four_variants_and_ties():
    arms = [Arm("A", 500, 50), Arm("B", 500, 50), Arm("C", 500, 20), Arm("D", 500, 10)]
    decision = decide(arms, 100, 80)
    assert decision.outcome == ab_test.NOT_SIGNIFICANT, "a tie for the best never wins"
    assert decision.p_value == 1.0
    with pytest.raises(ValueError):
        decide([Arm("A", 100, 1)], 100, 95)


def test_format_p():
    assert format_p(0.3149) == "p = 0.31"
    assert format_p(0.0031) == "p = 0.003"
    assert format_p(0.0004) == "p < 0.001"


# ----------------------------------------------------------------------
# Balanced assignment
# ----------------------------------------------------------------------


@pytest.mark.parametrize(("k", "n"), [(2, 1), (2, 101), (3, 100), (3, 2), (4, 1000), (4, 7)])
def test_balanced_assignment_counts(k, n):
    variants = [f"V{i}" for i in range(k)]
    picks = balanced_assignment(variants, n, random.Random(n * 31 + k))
    counts = Counter(picks)
    assert len(picks) == n
    assert set(counts) <= set(variants)
    values = [counts.get(variant, 0) for variant in variants]
    assert max(values) - min(values) <= 1


def test_balanced_assignment_random_order():
    rng = random.Random(7)
    runs = [tuple(balanced_assignment(["A", "B", "C"], 30, rng)) for _index in range(20)]
    assert len(set(runs)) == 20, "a new order each batch"
    # over many batches each position gets every variant about as often
    first = Counter(run[0] for run in (balanced_assignment(["A", "B", "C"], 30, rng) for _i in range(3000)))
    assert all(900 <= first[variant] <= 1100 for variant in "ABC"), first


def test_balanced_assignment_one_at_a_time_stays_balanced():
    """Runs enrolled one by one (automation rules): the extra run goes to the variant given
    least so far, so totals stay within one."""
    rng, counts = random.Random(3), Counter()
    for _index in range(301):
        (pick,) = balanced_assignment(["A", "B", "C"], 1, rng, counts)
        counts[pick] += 1
        assert max(counts.values()) - min(counts.get(v, 0) for v in "ABC") <= 1
    assert balanced_assignment([], 3, rng) == [None, None, None]


def test_balanced_assignment_late_variant_is_not_flooded():
    """A variant added late gets its even share of a batch, not every run to catch up."""
    picks = Counter(balanced_assignment(["A", "B", "C"], 90, random.Random(1), {"A": 500, "B": 500}))
    assert picks == {"A": 30, "B": 30, "C": 30}
