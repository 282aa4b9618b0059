#!/usr/bin/env python3
"""Reads a static STAC catalog the way a Python user would (pystac), validates every object against the official
schemas (offline), and checks that every asset href resolves to a file of the catalog.

usage: read_static_catalog.py CATALOG_JSON
Prints {"catalog", "type", "collections": {id: {"items", "assets", "collection_assets"}}, "missing"} as JSON."""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(HERE, "vendor")]

import pystac  # noqa: E402
from hysope_stac.pystac_validator import install  # noqa: E402


def main() -> int:
    install()
    catalog = pystac.Catalog.from_file(sys.argv[1])
    catalog.validate_all()
    out = {"catalog": catalog.id, "type": str(catalog.catalog_type), "collections": {}, "missing": []}
    for collection in catalog.get_children():
        entry = {"items": 0, "assets": 0, "collection_assets": sorted(getattr(collection, "assets", {}) or {})}
        for key, asset in (getattr(collection, "assets", {}) or {}).items():
            if not os.path.isfile(asset.get_absolute_href()):
                out["missing"].append(asset.get_absolute_href())
        for item in collection.get_items():
            entry["items"] += 1
            for asset in item.assets.values():
                entry["assets"] += 1
                if not os.path.isfile(asset.get_absolute_href()):
                    out["missing"].append(asset.get_absolute_href())
        out["collections"][collection.id] = entry
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
