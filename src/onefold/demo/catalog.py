"""Products (with category-specific prices and margins) and stores.

Each category has a median price, a price spread (lognormal) and a gross-margin range: electronics
sell at thin margins (8-18 %), beauty and accessories at fat ones (55-70 %). Base return rates per
category drive the returns simulation (apparel and footwear are returned most). A handful of SKUs
become scarce near the end of the observed period (see orders.py); everything else is in stock.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from onefold.demo.names import CITIES


@dataclass(frozen=True)
class Category:
    name: str
    prefix: str
    median_price: float
    price_sigma: float
    margin_low: float
    margin_high: float
    return_rate: float
    popularity: float
    nouns: tuple[str, ...]


CATEGORIES: tuple[Category, ...] = (
    Category("apparel", "APP", 35.0, 0.55, 0.50, 0.65, 0.22, 3.0,
             ("T-Shirt", "Sweater", "Jeans", "Dress", "Jacket", "Hoodie", "Shirt", "Skirt", "Coat", "Shorts")),
    Category("footwear", "FTW", 75.0, 0.45, 0.40, 0.55, 0.18, 1.5,
             ("Sneakers", "Boots", "Sandals", "Loafers", "Running Shoes", "Slippers")),
    Category("electronics", "ELE", 120.0, 0.9, 0.08, 0.18, 0.07, 1.0,
             ("Headphones", "Speaker", "Charger", "Smartwatch", "Tablet", "Camera", "Keyboard", "Monitor")),
    Category("home", "HOM", 40.0, 0.7, 0.35, 0.50, 0.08, 2.0,
             ("Lamp", "Pillow", "Blanket", "Vase", "Mug Set", "Towel Set", "Rug", "Frame", "Candle")),
    Category("beauty", "BEA", 22.0, 0.5, 0.55, 0.70, 0.04, 1.8,
             ("Moisturizer", "Shampoo", "Perfume", "Lipstick", "Serum", "Face Mask", "Body Lotion")),
    Category("sports", "SPO", 45.0, 0.7, 0.30, 0.45, 0.10, 1.2,
             ("Yoga Mat", "Dumbbells", "Water Bottle", "Backpack", "Tennis Racket", "Bike Helmet")),
    Category("toys", "TOY", 28.0, 0.6, 0.35, 0.50, 0.05, 1.0,
             ("Puzzle", "Board Game", "Plush Bear", "Building Set", "Doll", "RC Car")),
    Category("accessories", "ACC", 30.0, 0.6, 0.55, 0.68, 0.12, 1.4,
             ("Scarf", "Belt", "Wallet", "Sunglasses", "Hat", "Handbag", "Watch Strap")),
)

_ADJECTIVES = ("Classic", "Urban", "Essential", "Premium", "Everyday", "Vintage", "Nordic", "Active", "Cozy",
               "Modern", "Coastal", "Heritage", "Studio", "Trail", "Signature", "Bright")


@dataclass(frozen=True)
class Catalog:
    """Products as parallel arrays, sorted by category then price (orders index into them)."""

    sku: np.ndarray
    name: np.ndarray
    category: np.ndarray  # index into CATEGORIES
    price_cents: np.ndarray
    cost_cents: np.ndarray
    cat_start: np.ndarray  # first product index of each category
    cat_count: np.ndarray

    @property
    def category_names(self) -> np.ndarray:
        return np.array([c.name for c in CATEGORIES])[self.category]


def _psych_price(raw: np.ndarray) -> np.ndarray:
    """Round to shop prices: x.99 below 100, whole 9s above."""
    small = np.maximum(np.floor(raw), 1) * 100 + 99
    large = (np.floor(raw / 10) * 10 + 9) * 100
    return np.where(raw < 100, small, large).astype(np.int64)


def make_catalog(rng: np.random.Generator, *, n_products: int) -> Catalog:
    """Draw ``n_products`` products spread over the categories by popularity."""
    pop = np.array([c.popularity for c in CATEGORIES])
    counts = np.maximum(rng.multinomial(n_products - 5 * len(CATEGORIES), pop / pop.sum()) + 5, 5)
    skus, names, cats, prices, costs = [], [], [], [], []
    for ci, (cat, count) in enumerate(zip(CATEGORIES, counts, strict=True)):
        raw = cat.median_price * np.exp(rng.normal(0, cat.price_sigma, count))
        price = np.sort(_psych_price(raw))
        margin = rng.uniform(cat.margin_low, cat.margin_high, count)
        cost = np.round(price * (1 - margin)).astype(np.int64)
        adj = rng.choice(len(_ADJECTIVES), count)
        noun = rng.choice(len(cat.nouns), count)
        skus += [f"{cat.prefix}-{i + 1:05d}" for i in range(count)]
        names += [f"{_ADJECTIVES[a]} {cat.nouns[n]}" for a, n in zip(adj, noun, strict=True)]
        cats.append(np.full(count, ci))
        prices.append(price)
        costs.append(cost)
    cat_count = counts.astype(np.int64)
    return Catalog(
        sku=np.array(skus), name=np.array(names), category=np.concatenate(cats),
        price_cents=np.concatenate(prices), cost_cents=np.concatenate(costs),
        cat_start=np.concatenate([[0], np.cumsum(cat_count)[:-1]]), cat_count=cat_count,
    )


@dataclass(frozen=True)
class Stores:
    """Physical stores; ``city`` indexes CITIES so people can shop near home."""

    store_id: np.ndarray
    name: np.ndarray
    city: np.ndarray
    lat: np.ndarray
    lon: np.ndarray

    def region(self) -> np.ndarray:
        return np.array([CITIES[c].state for c in self.city])


def make_stores(rng: np.random.Generator, *, n_stores: int) -> Stores:
    """Stores in the largest cities (the biggest get two), jittered around the city centre."""
    cities = np.array([i % 12 for i in range(n_stores)])
    nth = np.array([np.sum(cities[:i] == c) for i, c in enumerate(cities)])
    names = [f"{CITIES[c].name} {'Downtown' if k == 0 else 'Mall'}" for c, k in zip(cities, nth, strict=True)]
    lat = np.round(np.array([CITIES[c].lat for c in cities]) + rng.normal(0, 0.03, n_stores), 5)
    lon = np.round(np.array([CITIES[c].lon for c in cities]) + rng.normal(0, 0.03, n_stores), 5)
    return Stores(np.array([f"S{i + 1:03d}" for i in range(n_stores)]), np.array(names), cities, lat, lon)


__all__ = ["CATEGORIES", "Catalog", "Category", "Stores", "make_catalog", "make_stores"]
