"""Writes a full-size SWOT PIXC granule from a real one, for the ingest benchmark.

usage: synthesize_pixc.py SAMPLE.nc OUT.nc PIXELS

The sample's `pixel_cloud` arrays are repeated, with a small jitter on positions and heights, until PIXELS
pixels; each copy stands for the next lines along track: its azimuth index shifted past the previous copy's
and its positions moved as far along the swath as the sample's lines go (the sample's own displacement per
line, fitted on its pixels). Rows then run along track as in a real tile, so a run of rows covers a strip
of the swath (copies at the same place would make every part of the file cover the whole tile: no reader
could skip any); the tile's last corners and bounds move with them. Every other group (`tvp`, `noise`)
and every other attribute is copied as is. Storage follows what netCDF-C writes: shuffle +
deflate at the sample's level, chunks of about 4 MB (netCDF-C's default chunk size for large variables),
netCDF dimension scales. Only h5py and numpy (Debian's python3-h5py) are used.
"""

import sys

import h5py
import numpy as np

SKIP_ATTRS = {"DIMENSION_LIST", "REFERENCE_LIST", "CLASS", "NAME", "_Netcdf4Dimid", "_Netcdf4Coordinates"}
CHUNK_BYTES = 4 * 1024 * 1024


def copy_attrs(src, dst):
    for key, value in src.attrs.items():
        if key not in SKIP_ATTRS:
            dst.attrs[key] = value


def chunks_for(shape, itemsize):
    row = itemsize * int(np.prod(shape[1:])) if len(shape) > 1 else itemsize
    return (max(1, min(shape[0], CHUNK_BYTES // row)),) + tuple(shape[1:])


def main(sample, out, pixels):
    rng = np.random.default_rng(20260411)
    with h5py.File(sample, "r") as src, h5py.File(out, "w", libver="earliest") as dst:
        copy_attrs(src, dst)
        for group_name, group in src.items():
            if not isinstance(group, h5py.Group):
                continue
            target = dst.create_group(group_name)
            copy_attrs(group, target)
            length = group["points"].shape[0] if "points" in group else None
            scale_name = next((n for n in ("points", "num_tvps", "num_lines") if n in group), None)
            n_out = pixels if group_name == "pixel_cloud" else (group[scale_name].shape[0] if scale_name else None)
            if scale_name:
                scale = target.create_dataset(scale_name, shape=(n_out,), dtype=group[scale_name].dtype)
                scale.make_scale(f"This is a netCDF dimension but not a netCDF variable. {n_out:>10}")
            copies = -(-pixels // length) if group_name == "pixel_cloud" else 1
            if group_name == "pixel_cloud":
                # Degrees per line along track: least squares of the positions against the line index.
                lines = group["azimuth_index"][()].astype(np.float64)
                ok = np.isfinite(group["latitude"][()]) & np.isfinite(group["longitude"][()])
                per_line = {n: np.polyfit(lines[ok], group[n][()][ok], 1)[0] for n in ("latitude", "longitude")}
                span = int(lines.max() - lines.min()) + 1
                reach = {n: (copies - 1) * span * per_line[n] for n in per_line}
            for name, ds in group.items():
                if name == scale_name or not isinstance(ds, h5py.Dataset):
                    continue
                data = ds[()]
                if group_name == "pixel_cloud" and ds.shape and ds.shape[0] == length:
                    parts = []
                    for k in range(copies):
                        part = data.copy()
                        if name in ("latitude", "longitude"):
                            part = part + rng.normal(0, 2e-5, part.shape) + k * span * per_line[name]
                        elif name == "height":
                            part = (part + rng.normal(0, 0.05, part.shape)).astype(part.dtype)
                        elif name == "azimuth_index":
                            part = part + k * span
                        parts.append(part)
                    data = np.concatenate(parts)[:pixels]
                kwargs = {}
                if ds.compression:
                    kwargs = dict(compression=ds.compression, compression_opts=ds.compression_opts, shuffle=ds.shuffle)
                    kwargs["chunks"] = chunks_for(data.shape, data.dtype.itemsize)
                fill = ds.attrs.get("_FillValue")
                new = target.create_dataset(name, data=data, fillvalue=fill, **kwargs)
                copy_attrs(ds, new)
                if scale_name and data.shape and data.shape[0] == n_out:
                    new.dims[0].attach_scale(target[scale_name])


        # The tile's corners and bounds as the processor writes them: the last lines are the last copy's.
        for side in ("inner", "outer"):
            for n in ("latitude", "longitude"):
                key = f"{side}_last_{n}"
                if key in dst.attrs:
                    dst.attrs[key] = dst.attrs[key] + reach[n]
        for n, short in (("latitude", "lat"), ("longitude", "lon")):
            lo, hi = f"geospatial_{short}_min", f"geospatial_{short}_max"
            if lo in dst.attrs and hi in dst.attrs:
                a, b = dst.attrs[lo], dst.attrs[hi]
                dst.attrs[lo], dst.attrs[hi] = np.minimum(a, a + reach[n]), np.maximum(b, b + reach[n])


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
