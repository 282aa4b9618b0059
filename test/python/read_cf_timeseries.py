"""Reads a CF-1.8 time-series NetCDF (contiguous ragged array) with Debian's netCDF4-python, as a scientist would,
and prints what it holds as JSON: global attributes, each feature's id, location and observations (time decoded
by the file's own units and calendar, fill values masked)."""
import json
import sys

import netCDF4
import numpy

with netCDF4.Dataset(sys.argv[1]) as d:
    id_var = next(v for v in d.variables.values() if getattr(v, "cf_role", "") == "timeseries_id")
    sizes = d["row_size"][:]
    sample_dim = d["row_size"].sample_dimension
    times = netCDF4.num2date(d["time"][:], d["time"].units, d["time"].calendar, only_use_cftime_datetimes=False)
    values = {name: v[:] for name, v in d.variables.items() if v.dimensions[:1] == (sample_dim,) and name != "time" and v.dtype != "S1"}
    out = {"featureType": d.featureType, "Conventions": d.Conventions, "features": []}
    start = 0
    for i, fid in enumerate(netCDF4.chartostring(id_var[:])):
        n = int(sizes[i])
        obs = []
        for k in range(start, start + n):
            row = {"time": times[k].isoformat() if times[k] is not None else None}
            for name, arr in values.items():
                x = arr[k]
                row[name] = None if x is numpy.ma.masked else x.item()
            obs.append(row)
        out["features"].append({"id": str(fid), "lon": float(d["lon"][i]), "lat": float(d["lat"][i]), "observations": obs})
        start += n
    json.dump(out, sys.stdout)
