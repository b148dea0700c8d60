"""The demo shop's rows, generated with a fixed seed.

The same scale yields the same rows on every engine (one random.Random(42) consumed in a
fixed order, no engine-specific randomness), so one question gives one answer everywhere.
Rows are generated lazily, so --scale 1000 (millions of rows) runs in near-constant memory:
the only per-entity state kept is one int per product (its price).
"""

from __future__ import annotations

import random
import unicodedata
from array import array
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal

from .shop import (
    ADJECTIVES,
    CATEGORIES,
    COUNTRIES,
    FIRST_DATE,
    FIRST_NAMES,
    LAST_DATE,
    LAST_NAMES,
    PAYMENT_METHODS,
    SEED,
    SEGMENTS,
    SIGNUP_END,
    SIGNUP_START,
    STATUSES,
    table_counts,
)


def _weighted(rng: random.Random, pairs) -> Callable[[], str]:
    """A picker over (value, weight) pairs; cum_weights keeps each draw to one rng.random()."""
    values = [p[0] for p in pairs]
    cum, total = [], 0
    for p in pairs:
        total += p[1]
        cum.append(total)
    return lambda: rng.choices(values, cum_weights=cum)[0]


def _ascii(text: str) -> str:
    """Email-safe form of a name: strip accents, drop spaces and apostrophes."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum())


def _money(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)


def generate(scale: int = 1) -> Iterator[tuple[str, tuple]]:
    """Yield (table, row) in an FK-safe order: parents are always yielded before children.

    Everything comes from one Random(SEED) consumed in a fixed order, so output depends only
    on `scale` (and the Python version's random algorithm, which is stable in CPython).
    """
    if scale < 1:
        raise ValueError("scale must be at least 1")
    rng = random.Random(SEED)
    counts = table_counts(scale)

    for cat_id, (name, _, _) in enumerate(CATEGORIES, start=1):
        yield "categories", (cat_id, name)

    # Prices as int cents in a compact array: the one per-product state order lines need.
    prices = array("q")
    for product_id in range(1, counts["products"] + 1):
        cat_index = rng.randrange(len(CATEGORIES))
        _, (low, high), nouns = CATEGORIES[cat_index]
        whole = int(low + (high - low) * rng.random() ** 2)  # cheap items are more common
        cents = whole * 100 + rng.choice((99, 99, 95, 49, 0))
        prices.append(cents)
        name = f"{rng.choice(ADJECTIVES)} {rng.choice(nouns)}"
        active = rng.random() > 0.08
        yield "products", (product_id, name, cat_index + 1, _money(cents), active)

    # Ids follow signup order, so a customer's signup date is a function of the id and
    # orders can respect it without remembering every customer.
    n_customers = counts["customers"]
    signup_span = (SIGNUP_END - SIGNUP_START).days

    def signup_date(customer_id: int) -> date:
        return SIGNUP_START + timedelta(days=(customer_id - 1) * signup_span // n_customers)

    country_weights = [(i, c[1]) for i, c in enumerate(COUNTRIES)]
    pick_country = _weighted(rng, country_weights)
    pick_segment = _weighted(rng, SEGMENTS)
    for customer_id in range(1, n_customers + 1):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        country, _, dial, cities = COUNTRIES[pick_country()]
        city = rng.choice(cities) if rng.random() > 0.06 else None
        phone = f"{dial} {rng.randrange(10_000_000, 100_000_000)}" if rng.random() > 0.25 else None
        email = f"{_ascii(first)}.{_ascii(last)}{customer_id}@example.com"
        yield (
            "customers",
            (
                customer_id,
                first,
                last,
                email,
                phone,
                country,
                city,
                signup_date(customer_id),
                pick_segment(),
            ),
        )

    pick_status = _weighted(rng, STATUSES)
    pick_method = _weighted(rng, PAYMENT_METHODS)
    n_products = counts["products"]
    item_id = 0
    recent = LAST_DATE - timedelta(days=45)
    for order_id in range(1, counts["orders"] + 1):
        # Repeat buyers: early customers (low ids) have had longer to order, so skew low.
        # Together with signups spread over the years this makes each year busier than the
        # last (~8% of orders in 2021, ~35% in 2025), as for a growing shop.
        customer_id = 1 + int(n_customers * rng.random() ** 1.6)
        start = max(signup_date(customer_id), FIRST_DATE)
        order_date = start + timedelta(days=int((LAST_DATE - start).days * rng.random()))
        status = pick_status()
        if status == "pending" and order_date < recent:
            status = "shipped"  # only recent orders can still be pending

        lines, total = [], 0
        for _ in range(1 + min(int(rng.expovariate(0.7)), 7)):
            product_id = 1 + int(n_products * rng.random() ** 2)  # bestsellers at low ids
            quantity = 1 + min(int(rng.expovariate(1.5)), 9)
            item_id += 1
            lines.append((item_id, order_id, product_id, quantity, _money(prices[product_id - 1])))
            total += quantity * prices[product_id - 1]

        yield "orders", (order_id, customer_id, order_date, status, _money(total))
        yield from (("order_items", line) for line in lines)
        paid_at = None
        if status in ("paid", "shipped", "refunded"):
            paid_at = datetime.combine(order_date, datetime.min.time()) + timedelta(
                seconds=rng.randrange(36 * 3600)
            )
        yield "payments", (order_id, order_id, pick_method(), _money(total), paid_at)
