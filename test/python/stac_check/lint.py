"""HYSOPE's offline stand-in for stac-check's `Linter`, as stac-api-validator calls it: fetches the object, says
whether it is valid STAC (test/specs schemas) and gives a few of stac-check's best-practice hints."""
import requests

from hysope_stac import check


class Linter:
    def __init__(self, url: str, headers: dict | None = None, **_ignored):
        self.valid_stac = False
        self.error_msg = ""
        # stac-check's first message is a header; stac-api-validator skips it.
        self.best_practices_msg = ["STAC Best Practices: "]
        try:
            r = requests.get(url, headers=headers or {}, timeout=60)
            r.raise_for_status()
            obj = r.json()
        except (requests.RequestException, ValueError) as e:
            self.error_msg = f"cannot read {url}: {e}"
            return
        try:
            found = check(obj)
        except ValueError as e:
            found = [str(e)]
        self.valid_stac = not found
        self.error_msg = "; ".join(found[:5])
        rels = {l.get("rel") for l in obj.get("links", [])}
        if "self" not in rels:
            self.best_practices_msg.append("    A link to 'self' in links is strongly recommended")
        if obj.get("type") == "Feature":
            if obj.get("geometry") is not None and not obj.get("bbox"):
                self.best_practices_msg.append("    An item with a geometry should have a bbox")
            untyped = [k for k, a in obj.get("assets", {}).items() if not a.get("type")]
            if untyped:
                self.best_practices_msg.append(f"    Assets should say their media type: {', '.join(untyped)}")
