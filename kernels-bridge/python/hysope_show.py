"""HYSOPE display helpers for Python notebooks: the same MIME bundles as kernels-bridge's `show`,
so the swath viewer renders Python outputs too (text and HTML fallbacks where it is missing)."""
import html
import json

MAP = "application/vnd.hysope.map+json"
TIMESERIES = "application/vnd.hysope.timeseries+json"
TABLE = "application/vnd.hysope.table+json"


def _table_html(columns, rows, limit=20):
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape('' if v is None else str(v))}</td>" for v in r) + "</tr>" for r in rows[:limit])
    more = f"<p>{len(rows) - limit} more rows</p>" if len(rows) > limit else ""
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{more}"


def timeseries_bundle(series, title=None):
    series = [dict(s, points=[{"time": p["time"] if isinstance(p["time"], str) else p["time"].isoformat(), "value": p["value"]} for p in s["points"]]) for s in series]
    summary = [f"{s['name']}: {len(s['points'])} points" + (f" ({s['units']})" if s.get("units") else "") for s in series]
    return {
        TIMESERIES: {"title": title, "series": series},
        "text/html": f"<p><b>{html.escape(title or 'HYSOPE time series')}</b></p><ul>" + "".join(f"<li>{html.escape(l)}</li>" for l in summary) + "</ul>",
        "text/plain": "\n".join([title or "HYSOPE time series", *summary]),
    }


def map_bundle(items, title=None):
    rows = [[i.get("collection", ""), i["id"], str(i.get("properties", {}).get("datetime", ""))] for i in items]
    return {
        MAP: {"title": title, "layers": [{"kind": "items", "items": items}]},
        "text/html": f"<p><b>{html.escape(title or 'HYSOPE map')}</b>: {len(items)} items (install the HYSOPE swath viewer to see the map)</p>" + _table_html(["collection", "id", "datetime"], rows),
        "text/plain": f"HYSOPE map: {len(items)} items" + (f" — {title}" if title else ""),
    }


def table_bundle(columns, rows, title=None):
    return {
        TABLE: {"title": title, "columns": columns, "rows": rows},
        "text/html": _table_html(columns, rows),
        "text/plain": "\n".join(["\t".join(columns), *("\t".join(str(v) for v in r) for r in rows[:20])]),
    }


def _display(bundle):
    from IPython.display import display

    display(bundle, raw=True)
    return None


class show:
    """`show.map(items)`, `show.timeseries(series)`, `show.table(columns, rows)` in a notebook."""

    map = staticmethod(lambda items, title=None: _display(map_bundle(items, title)))
    timeseries = staticmethod(lambda series, title=None: _display(timeseries_bundle(series, title)))
    table = staticmethod(lambda columns, rows, title=None: _display(table_bundle(columns, rows, title)))


if __name__ == "__main__":
    # Prints the bundles of a JSON request on stdin (used by the tests to compare with TypeScript).
    request = json.load(__import__("sys").stdin)
    print(json.dumps({"timeseries": timeseries_bundle(**request["timeseries"]), "table": table_bundle(**request["table"])}))
