"""HYSOPE's offline stand-in for stac-validator's `StacValidate`, as stac-api-validator calls it: schema validity
(core and declared extensions, from test/specs) and, when asked, that every http(s) link and asset answers."""
import requests

from hysope_stac import check


class StacValidate:
    def __init__(self, links: bool = False, assets: bool = False, headers: dict | None = None, **_ignored):
        self.links = links
        self.assets = assets
        self.headers = headers or {}
        self.message: list = []

    def _reachable(self, what: str, href: str) -> bool:
        try:
            with requests.get(href, headers=self.headers, stream=True, timeout=30) as r:
                if r.status_code < 400:
                    return True
                self.message.append({"unreachable": what, "href": href, "status": r.status_code})
        except requests.RequestException as e:
            self.message.append({"unreachable": what, "href": href, "error": str(e)[:200]})
        return False

    def validate_dict(self, body: dict) -> bool:
        try:
            found = check(body)
        except ValueError as e:
            found = [str(e)]
        self.message += [{"schema": p} for p in found]
        ok = not found
        targets = []
        if self.links:
            targets += [(f"link {l.get('rel')}", l.get("href", "")) for l in body.get("links", [])]
        if self.assets:
            targets += [(f"asset {k}", a.get("href", "")) for k, a in body.get("assets", {}).items()]
        for what, href in targets:
            if str(href).startswith(("http://", "https://")) and not self._reachable(what, href):
                ok = False
        return ok
