"""The demo shop: its tables and the vocabulary its rows are drawn from (rows: generator.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

SEED = 42

# Rows per unit of --scale (order_items is ~2.5 per order, payments one per order).
CUSTOMERS_PER_SCALE = 500
PRODUCTS_PER_SCALE = 120
ORDERS_PER_SCALE = 1_500

FIRST_DATE = date(2021, 1, 1)
LAST_DATE = date(2025, 12, 31)
SIGNUP_START = date(2020, 1, 1)
SIGNUP_END = date(2025, 6, 30)

# --- Vocabulary ----------------------------------------------------------------------------
# fmt: off
# Weights give the skew: a few countries dominate, as in most real shops.
COUNTRIES: list[tuple[str, int, str, list[str]]] = [  # name, weight, dialling code, cities
    ("United States", 30, "+1", ["New York", "Los Angeles", "Chicago", "Houston", "Seattle", "Boston"]),
    ("United Kingdom", 14, "+44", ["London", "Manchester", "Birmingham", "Leeds", "Glasgow"]),
    ("Germany", 12, "+49", ["Berlin", "München", "Hamburg", "Köln", "Frankfurt"]),
    ("France", 9, "+33", ["Paris", "Lyon", "Marseille", "Toulouse", "Nantes"]),
    ("Canada", 6, "+1", ["Toronto", "Montréal", "Vancouver", "Calgary"]),
    ("Spain", 5, "+34", ["Madrid", "Barcelona", "Sevilla", "Valencia"]),
    ("Italy", 5, "+39", ["Roma", "Milano", "Torino", "Napoli"]),
    ("Netherlands", 4, "+31", ["Amsterdam", "Rotterdam", "Utrecht"]),
    ("Brazil", 4, "+55", ["São Paulo", "Rio de Janeiro", "Belo Horizonte"]),
    ("Australia", 3, "+61", ["Sydney", "Melbourne", "Brisbane"]),
    ("Sweden", 2, "+46", ["Stockholm", "Göteborg", "Malmö"]),
    ("Poland", 2, "+48", ["Warszawa", "Kraków", "Łódź"]),
    ("Japan", 2, "+81", ["Tokyo", "Osaka", "Kyoto"]),
    ("India", 1, "+91", ["Mumbai", "Bengaluru", "Delhi"]),
    ("Mexico", 1, "+52", ["Ciudad de México", "Guadalajara", "Monterrey"]),
]
FIRST_NAMES = [
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David",
    "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah",
    "Charles", "Karen", "Emma", "Olivia", "Noah", "Liam", "Sophie", "Lukas", "Léa", "Hugo",
    "Chloé", "José", "María", "Lucía", "Mateo", "Giulia", "Marco", "Sven", "Ingrid", "Anna",
    "Piotr", "Zofia", "Yuki", "Haruto", "Priya", "Arjun", "João", "Ana", "Lars", "Fatima",
]
LAST_NAMES = [
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Wilson",
    "Taylor", "Anderson", "Thomas", "Moore", "Martin", "Lee", "Clark", "Müller", "Schmidt",
    "Schneider", "Fischer", "Dubois", "Lefèvre", "Moreau", "Rossi", "Russo", "Fernández",
    "González", "López", "Silva", "Santos", "Andersson", "Johansson", "Nowak", "Kowalski",
    "Tanaka", "Sato", "Patel", "Sharma", "de Vries", "van Dijk", "O'Brien", "Murphy",
]
SEGMENTS = [("consumer", 72), ("small business", 21), ("enterprise", 7)]

# Category -> (price range in whole units, nouns).
CATEGORIES: list[tuple[str, tuple[int, int], list[str]]] = [
    ("Electronics", (25, 900), ["Headphones", "Speaker", "Monitor", "Keyboard", "Webcam"]),
    ("Books", (6, 45), ["Novel", "Cookbook", "Atlas", "Biography", "Guide"]),
    ("Home & Kitchen", (8, 250), ["Kettle", "Pan", "Knife Set", "Blender", "Lamp"]),
    ("Clothing", (10, 180), ["T-Shirt", "Jacket", "Sweater", "Jeans", "Scarf"]),
    ("Shoes", (30, 220), ["Sneakers", "Boots", "Sandals", "Loafers"]),
    ("Sports & Outdoors", (12, 400), ["Tent", "Yoga Mat", "Backpack", "Bike Helmet", "Bottle"]),
    ("Beauty", (5, 90), ["Face Cream", "Shampoo", "Perfume", "Lip Balm"]),
    ("Toys & Games", (7, 120), ["Puzzle", "Board Game", "Building Set", "Plush Bear"]),
    ("Garden", (9, 300), ["Hose", "Planter", "Pruner", "Bird Feeder"]),
    ("Office", (3, 350), ["Notebook", "Desk Chair", "Pen Set", "Stapler"]),
    ("Pet Supplies", (4, 110), ["Dog Bed", "Cat Tree", "Leash", "Food Bowl"]),
    ("Grocery", (2, 40), ["Coffee Beans", "Olive Oil", "Green Tea", "Dark Chocolate"]),
]
ADJECTIVES = ["Classic", "Compact", "Deluxe", "Eco", "Essential", "Pro", "Premium", "Smart",
              "Ultra", "Vintage", "Everyday", "Nordic"]
STATUSES = [("shipped", 58), ("paid", 17), ("refunded", 8), ("cancelled", 7), ("pending", 10)]
PAYMENT_METHODS = [("card", 61), ("paypal", 21), ("bank_transfer", 9), ("gift_card", 4),
                   ("apple_pay", 5)]
# fmt: on


# --- Schema: one description, rendered per engine -------------------------------------------
@dataclass(frozen=True)
class Column:
    name: str
    type: str  # int | text | money | date | timestamp | bool
    nullable: bool = False
    references: str | None = None  # "table" (its id)


TABLES: dict[str, list[Column]] = {
    "categories": [Column("id", "int"), Column("name", "text")],
    "products": [
        Column("id", "int"),
        Column("name", "text"),
        Column("category_id", "int", references="categories"),
        Column("price", "money"),
        Column("active", "bool"),
    ],
    "customers": [
        Column("id", "int"),
        Column("first_name", "text"),
        Column("last_name", "text"),
        Column("email", "text"),
        Column("phone", "text", nullable=True),
        Column("country", "text"),
        Column("city", "text", nullable=True),
        Column("signup_date", "date"),
        Column("segment", "text"),
    ],
    "orders": [
        Column("id", "int"),
        Column("customer_id", "int", references="customers"),
        Column("order_date", "date"),
        Column("status", "text"),
        Column("total", "money"),
    ],
    "order_items": [
        Column("id", "int"),
        Column("order_id", "int", references="orders"),
        Column("product_id", "int", references="products"),
        Column("quantity", "int"),
        Column("unit_price", "money"),
    ],
    "payments": [
        Column("id", "int"),
        Column("order_id", "int", references="orders"),
        Column("method", "text"),
        Column("amount", "money"),
        Column("paid_at", "timestamp", nullable=True),
    ],
}
# Creation/load order respects foreign keys; drops go the other way.
TABLE_ORDER = list(TABLES)


def table_counts(scale: int) -> dict[str, int]:
    """Exact row counts for the tables whose size does not depend on random draws."""
    return {
        "categories": len(CATEGORIES),
        "products": PRODUCTS_PER_SCALE * scale,
        "customers": CUSTOMERS_PER_SCALE * scale,
        "orders": ORDERS_PER_SCALE * scale,
        "payments": ORDERS_PER_SCALE * scale,
    }
