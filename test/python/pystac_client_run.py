#!/usr/bin/env python3
"""Drives the vendored pystac-client against a STAC API as a Python user would, and prints what it got as JSON
(the test compares it with the gateway's own answers).

usage: pystac_client_run.py ROOT_URL"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(HERE, "vendor")]

from pystac_client import Client, ConformanceClasses  # noqa: E402


def ids(items):
    return sorted(i.id for i in items)


def main(root: str) -> None:
    client = Client.open(root)
    out = {
        "conforms": {c.name: client.conforms_to(c) for c in (ConformanceClasses.CORE, ConformanceClasses.ITEM_SEARCH, ConformanceClasses.FILTER, ConformanceClasses.SORT, ConformanceClasses.FIELDS, ConformanceClasses.COLLECTIONS, ConformanceClasses.FEATURES)},
        "collections": sorted(c.id for c in client.get_collections()),
    }
    # Every item, a page of 2 at a time: pystac-client follows the next links to the end.
    everything = client.search(limit=2)
    out["all"] = {"matched": everything.matched(), "ids": ids(everything.items()), "pages": sum(1 for _ in client.search(limit=2).pages())}
    search = client.search(bbox=[-80.5, 40, -79.5, 41], datetime="2010-08-01T00:00:00Z/2010-09-30T23:59:59Z", limit=1)
    out["bbox_datetime"] = {"matched": search.matched(), "ids": ids(search.items())}
    box = {"type": "Polygon", "coordinates": [[[-80.5, 40], [-79.5, 40], [-79.5, 41], [-80.5, 41], [-80.5, 40]]]}
    filtered = client.search(intersects=box, filter="\"swot:cycle\" >= 2", filter_lang="cql2-text", sortby="-properties.swot:cycle")
    out["intersects_filter_sort"] = [(i.id, i.properties["swot:cycle"]) for i in filtered.items()]
    cql_json = client.search(filter={"op": "=", "args": [{"property": "collection"}, "swot-riversp-reach"]}, filter_lang="cql2-json", method="POST", limit=3)
    out["cql2_json_post"] = ids(cql_json.items())
    fields = next(client.search(collections=["swot-riversp-reach"], fields=["id", "properties.swot:cycle", "-assets"], limit=1).items_as_dicts())
    out["fields"] = {"keys": sorted(fields), "properties": sorted(fields.get("properties", {}))}
    reach = client.get_collection("swot-riversp-reach")
    out["collection_items"] = ids(reach.get_items())
    first_two = out["collection_items"][:2]
    out["get_items_ids"] = ids(reach.get_items(*first_two))
    out["item"] = reach.get_item(first_two[0]).id if first_two else None
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1])
