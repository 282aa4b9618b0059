"""HYSOPE's offline STAC schema checking, shared by the stand-ins for stac-validator and stac-check and by the
pystac validator the tests install (pystac's own needs `referencing`, which Debian 12's jsonschema 4.10 lacks, and
would fetch extension schemas from the network).

Every schema comes from the repository's copies under test/specs (official files, with their licenses); a schema
with no copy there is an error that names it, never a silent pass."""
import json
import os
from functools import lru_cache

import jsonschema

SPECS = os.environ.get("HYSOPE_SPECS", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "specs"))

# Where each published schema URL lives among the copies.
PREFIXES = [
    ("https://schemas.stacspec.org/v1.0.0/", "stac-spec/v1.0.0/"),
    ("https://schemas.stacspec.org/v1.1.0-beta.1/", "stac-spec/v1.1.0-beta.1/"),
    ("https://geojson.org/schema/", "geojson-schema/"),
    ("https://stac-extensions.github.io/processing/", "stac-extensions/processing/"),
    ("https://stac-extensions.github.io/version/", "stac-extensions/version/"),
]
EXACT = {"http://json-schema.org/draft-07/schema": "json-schema-draft-07/json-schema-draft-07.json"}
# STAC 1.1.0 (what pystac writes objects as, so what its validate() checks): the schemas pystac itself ships.
STAC_1_1 = "https://schemas.stacspec.org/v1.1.0/"
PYSTAC_SCHEMAS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "vendor", "pystac", "validation", "jsonschemas", "stac-spec", "v1.1.0")

KIND = {"Feature": "item", "Collection": "collection", "Catalog": "catalog"}


class MissingSchema(Exception):
    pass


def local_path(uri: str) -> str:
    url = uri.split("#", 1)[0].rstrip("/") if uri.endswith("#") else uri.split("#", 1)[0]
    if url in EXACT:
        return os.path.join(SPECS, EXACT[url])
    if url.startswith(STAC_1_1):
        return os.path.join(PYSTAC_SCHEMAS, url.rsplit("/", 1)[1])
    for prefix, folder in PREFIXES:
        if url.startswith(prefix):
            return os.path.join(SPECS, folder + url[len(prefix):])
    raise MissingSchema(f"no copy of the schema {uri} under test/specs")


@lru_cache(maxsize=None)
def load(uri: str) -> dict:
    path = local_path(uri)
    if not os.path.exists(path):
        raise MissingSchema(f"no copy of the schema {uri} under test/specs ({path})")
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def core_schema_uri(obj: dict) -> str:
    kind = KIND.get(obj.get("type"))
    if kind is None:
        raise ValueError(f"not a STAC item, collection or catalog: type {obj.get('type')!r}")
    return f"https://schemas.stacspec.org/v{obj.get('stac_version')}/{kind}-spec/json-schema/{kind}.json"


def problems(obj: dict, schema_uri: str) -> list:
    """The messages of every way `obj` breaks the schema at `schema_uri` (empty when valid)."""
    schema = load(schema_uri)
    resolver = jsonschema.RefResolver(base_uri=schema_uri, referrer=schema, handlers={"https": load, "http": load})
    validator = jsonschema.Draft7Validator(schema, resolver=resolver)
    return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message[:300]}" for e in validator.iter_errors(obj)]


def check(obj: dict) -> list:
    """Schema problems of a STAC object against its core schema and each extension it declares."""
    out = []
    for uri in [core_schema_uri(obj), *obj.get("stac_extensions", [])]:
        try:
            out += [f"{uri}: {p}" for p in problems(obj, uri)]
        except MissingSchema as e:
            out.append(str(e))
    return out
