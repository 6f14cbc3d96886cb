"""A/B tests of email variants: who gets which variant, and when a winner is proven.

Plain Python (``math.erfc`` only, no new dependency), tested without a database
(``tests/test_ab_statistics.py``). The ORM side (figures, decisions, archiving) is in
``crm_sequence_step_ab.py``.

Why a test of significance: sales tools pick the variant with the highest ratio, so 11
replies against 9 "win". Here the best variant wins only when a two-sided two-proportion
z-test (pooled proportion) says it beats *every* other variant at the chosen confidence,
the p-values of the comparisons corrected with Holm's method when there are more than
two variants (three or four variants make two or three comparisons: without a correction
one of them would come out "significant" by chance far more often than 1 - confidence).
"""

import math
from dataclasses import dataclass

# ``decide`` outcomes
SAMPLE = "sample"  # some variant has fewer sends than the minimum sample
NOT_SIGNIFICANT = "not_significant"  # every sample is there, the best does not beat all others yet
WINNER = "winner"  # the best beats every other variant at the confidence asked


def balanced_assignment(variant_ids, n, rng, counts=None):
    """``n`` variants drawn for ``n`` runs planned together, balanced and in random order.

    Each variant gets ``n // k`` or ``n // k + 1`` of them (``k`` variants): counts differ
    by at most one in any batch. The ``n % k`` extra ones go to the variants that have the
    fewest ``counts`` so far ({variant: runs already given}), ties drawn at random, so that
    runs enrolled one at a time (automation rules) stay balanced too; a variant added late
    is not handed every new run to catch up (that would mix the test with time).

    :param rng: a ``random.Random`` (tests pass a seeded one)
    :return: list of ``n`` items of ``variant_ids``; empty variants give ``[None] * n``
    """
    variant_ids = list(variant_ids)
    if not variant_ids:
        return [None] * n
    counts = counts or {}
    base, extra = divmod(n, len(variant_ids))
    fewest_first = sorted(variant_ids, key=lambda variant: (counts.get(variant, 0), rng.random()))
    picks = [variant for variant in variant_ids for _index in range(base)] + fewest_first[:extra]
    rng.shuffle(picks)
    return picks


def two_proportion_p_value(successes_a, trials_a, successes_b, trials_b):
    """Two-sided p-value of the two-proportion z-test with the pooled proportion.

    z = (p_a - p_b) / sqrt(p (1 - p) (1/n_a + 1/n_b)), p = (x_a + x_b) / (n_a + n_b),
    p-value = 2 (1 - Phi(|z|)) = erfc(|z| / sqrt 2). When every email or none succeeded
    (p is 0 or 1) nothing tells the variants apart: 1.0.
    """
    if trials_a <= 0 or trials_b <= 0:
        return 1.0
    pooled = (successes_a + successes_b) / (trials_a + trials_b)
    variance = pooled * (1 - pooled) * (1 / trials_a + 1 / trials_b)
    if variance <= 0:
        return 1.0
    z = (successes_a / trials_a - successes_b / trials_b) / math.sqrt(variance)
    return math.erfc(abs(z) / math.sqrt(2))


def holm_adjusted(p_values):
    """Holm's step-down adjusted p-values, in the order given.

    Sorted ascending, the i-th smallest (1-based) of m becomes
    max over j <= i of min(1, (m - j + 1) p_(j)); a hypothesis is rejected at level
    alpha exactly when its adjusted p-value is <= alpha (Holm 1979).
    """
    m = len(p_values)
    order = sorted(range(m), key=lambda index: p_values[index])
    adjusted, running = [0.0] * m, 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[index]))
        adjusted[index] = running
    return adjusted


@dataclass(frozen=True)
class Arm:
    """One variant's figures: ``successes`` (replies, clicks or opens) out of ``sent``."""

    key: object
    sent: int
    successes: int

    @property
    def rate(self):
        return self.successes / self.sent if self.sent else 0.0


@dataclass(frozen=True)
class Decision:
    """What the figures say: ``outcome`` (SAMPLE, NOT_SIGNIFICANT, WINNER), every arm, the
    best one and the best of the others (``runner_up``), the p-value of the best against
    the others (``p_against``), and the sends still missing."""

    outcome: str
    arms: tuple
    best: Arm
    runner_up: Arm
    p_value: float = None
    missing: int = 0

    @property
    def winner(self):
        return self.best if self.outcome == WINNER else None

    def arm(self, key):
        return next(arm for arm in self.arms if arm.key == key)


def p_against(arm, others):
    """p-value of ``arm`` against every arm of ``others`` at once: the largest of the
    Holm-adjusted p-values of the pairwise tests (``arm`` beats them all at level alpha
    exactly when it is <= alpha); None while an arm has sent nothing."""
    if not arm.sent or not all(other.sent for other in others):
        return None
    raw = [two_proportion_p_value(arm.successes, arm.sent, other.successes, other.sent) for other in others]
    return max(holm_adjusted(raw))


def best_other(arm, arms):
    """The arm with the best rate among ``arms`` but ``arm``."""
    return max((other for other in arms if other is not arm), key=lambda other: other.rate)


def decide(arms, min_sample, confidence):
    """The A/B decision for ``arms`` (two or more ``Arm``).

    Until every arm has ``min_sample`` sends: SAMPLE (with the sends missing, summed over
    arms, and the p-value so far when every arm has sent). Then the arm with the best rate
    is tested against each other one; it wins when every Holm-adjusted p-value is at most
    ``1 - confidence / 100`` (``confidence`` in percent). Ties for the best never win
    (their p-value is 1).
    """
    arms = tuple(arms)
    if len(arms) < 2:
        raise ValueError("an A/B decision needs two variants or more")
    alpha = 1 - confidence / 100
    best = max(arms, key=lambda arm: arm.rate)  # the first of equals
    others = [arm for arm in arms if arm is not best]
    p_value = p_against(best, others)
    missing = sum(max(0, min_sample - arm.sent) for arm in arms)
    if missing:
        return Decision(SAMPLE, arms, best, best_other(best, arms), p_value, missing)
    outcome = WINNER if p_value <= alpha else NOT_SIGNIFICANT
    return Decision(outcome, arms, best, best_other(best, arms), p_value)


def format_p(p_value):
    """ "p = 0.31", "p = 0.003", "p < 0.001": two decimals, three below 0.01."""
    if p_value < 0.001:
        return "p < 0.001"
    if p_value < 0.01:
        return f"p = {p_value:.3f}"
    return f"p = {p_value:.2f}"
