#!/usr/bin/env python3
"""What Hydrocron answers for the records of one SWOT RiverSP / LakeSP granule, computed independently of the gateway:
the DBF read byte by byte, values printed as Python prints what geopandas reads (an integer column `str(int)`, a float
column `str(float)`, text as is), geometries read by GDAL (ogr2ogr) and handled by Shapely (WKT with 6 decimals; a
lake's centroid; Hydrocron's fill point for a lake with no shape).

usage: hydrocron_reference.py GRANULE.zip ID_FIELD  → JSON {"fields", "records": {id: [{field: text}]}, "wkt", "points"}"""
import json
import os
import struct
import subprocess
import sys
import tempfile
import zipfile

import shapely.wkt
from shapely.geometry import shape


def dbf(zip_path):
    z = zipfile.ZipFile(zip_path)
    b = z.read(next(n for n in z.namelist() if n.endswith(".dbf")))
    count, header, record = struct.unpack("<IHH", b[4:12])
    fields, o = [], 32
    while b[o] != 0x0D:
        fields.append((b[o:o + 11].split(b"\0")[0].decode(), chr(b[o + 11]), b[o + 16], b[o + 17]))
        o += 32
    rows = []
    for r in range(count):
        o, row = header + r * record + 1, {}
        for name, kind, length, decimals in fields:
            text = b[o:o + length].decode("utf-8", "replace").strip()
            o += length
            if kind == "C":
                row[name] = text
            elif decimals == 0:
                row[name] = str(int(float(text)))
            else:
                row[name] = str(float(text))
        rows.append(row)
    return [f[0] for f in fields], rows


def geometries(zip_path):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "g.geojson")
        shp = next(n for n in zipfile.ZipFile(zip_path).namelist() if n.endswith(".shp"))
        subprocess.run(["ogr2ogr", "-f", "GeoJSON", out, f"/vsizip/{os.path.abspath(zip_path)}/{shp}"], check=True, capture_output=True)
        with open(out) as f:
            return [feat["geometry"] for feat in json.load(f)["features"]]


def main(zip_path, id_field):
    names, rows = dbf(zip_path)
    geoms = geometries(zip_path)
    wkt, points = {}, {}
    for row, g in zip(rows, geoms):
        key = row[id_field]
        geom = shape(g) if g else None
        wkt[key] = shapely.wkt.dumps(geom, rounding_precision=6, trim=True) if geom is not None and not geom.is_empty else ""
        if geom is None or geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon"):
            points[key] = [-20.455824, -25.566242]
        else:
            c = geom.centroid
            points[key] = [round(c.x, 6), round(c.y, 6)]
    records = {}
    for r in rows:  # a granule may hold a feature twice (a node id repeated): every record is kept
        records.setdefault(r[id_field], []).append(r)
    print(json.dumps({"fields": names, "records": records, "wkt": wkt, "points": points}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
