"""The risk rules' arithmetic, on its own (no database)."""

from __future__ import annotations

from datetime import UTC, datetime

from trust import rules


def _snowflake(at: datetime) -> str:
    return str((int(at.timestamp() * 1000) - rules.DISCORD_EPOCH_MS) << 22)


def test_account_age_comes_from_the_snowflake_timestamp():
    # Discord's documented example: 175928847299117063 was created 2016-04-30 11:18:25.796 UTC.
    created = rules.account_created_at("175928847299117063")
    assert created == datetime(2016, 4, 30, 11, 18, 25, 796000, tzinfo=UTC)
    at = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    assert rules.account_created_at(_snowflake(at)) == at
    assert rules.account_old_enough_at(_snowflake(at), 30) == datetime(2024, 5, 31, 12, 0,
                                                                        tzinfo=UTC)


def test_ids_that_are_not_snowflakes_have_no_age():
    for bad in ("", "abc", "١٢٣", "12 3", "-5"):
        assert rules.account_created_at(bad) is None
        assert rules.account_old_enough_at(bad, 1) is None


def test_caps_are_the_most_allowed():
    two = rules.Window(orders=2, amount_cents=5000)
    assert rules.over_cap(two, total_cents=100, max_orders=3, max_amount_cents=None) is None
    assert rules.over_cap(rules.Window(3, 5000), total_cents=100, max_orders=3,
                          max_amount_cents=None) == "orders"
    assert rules.over_cap(two, total_cents=5000, max_orders=None,
                          max_amount_cents=10000) is None
    assert rules.over_cap(two, total_cents=5001, max_orders=None,
                          max_amount_cents=10000) == "amount"
    assert rules.over_cap(rules.Window(0, 0), total_cents=10**9, max_orders=None,
                          max_amount_cents=None) is None


def test_first_purchase_threshold_is_strictly_above():
    assert rules.first_purchase_needs_review(is_first=True, total_cents=50001,
                                             threshold_cents=50000)
    assert not rules.first_purchase_needs_review(is_first=True, total_cents=50000,
                                                 threshold_cents=50000)
    assert not rules.first_purchase_needs_review(is_first=False, total_cents=10**7,
                                                 threshold_cents=50000)
    assert not rules.first_purchase_needs_review(is_first=True, total_cents=10**7,
                                                 threshold_cents=None)
    assert rules.first_purchase_needs_review(is_first=True, total_cents=1, threshold_cents=0)
