#!/usr/bin/env python3
"""Runs the vendored stac-api-validator (the STAC community's conformance checker) against a STAC API, offline.

usage: validate_stac_api.py ROOT_URL COLLECTION [--nested-property properties.NAME] [--classes a,b,...]
Prints {"http_checks", "errors", "warnings"} as JSON on the first line, then each message; exit 1 on any error."""
import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(HERE, "vendor")]

from hysope_stac.pystac_validator import install  # noqa: E402
from stac_api_validator import validations  # noqa: E402

CLASSES = "core,collections,features,item-search,filter,item-search#fields,item-search#sort"


def main() -> int:
    a = argparse.ArgumentParser()
    a.add_argument("root_url")
    a.add_argument("collection")
    a.add_argument("--nested-property", default=None)
    a.add_argument("--classes", default=CLASSES)
    a.add_argument("--geometry", default=json.dumps({"type": "Polygon", "coordinates": [[[-180, -90], [180, -90], [180, 90], [-180, 90], [-180, -90]]]}))
    args = a.parse_args()
    install()
    calls = 0
    retrieve = validations.retrieve

    def counted(*p, **k):
        nonlocal calls
        calls += 1
        return retrieve(*p, **k)

    validations.retrieve = counted
    warnings, errors = validations.validate_api(
        root_url=args.root_url,
        ccs_to_validate=args.classes.split(","),
        collection=args.collection,
        geometry=args.geometry,
        auth_bearer_token=None,
        auth_query_parameter=None,
        fields_nested_property=args.nested_property,
        validate_pagination=True,
        query_config=validations.QueryConfig(*([None] * 13)),
        transaction_collection=None,
        headers=None,
    )
    print(json.dumps({"http_checks": calls, "errors": len(errors.errors), "warnings": len(warnings.errors)}))
    for e in errors.as_list():
        print("ERROR", e)
    for w in warnings.as_list():
        print("WARNING", w)
    return 1 if errors.errors else 0


if __name__ == "__main__":
    sys.exit(main())
