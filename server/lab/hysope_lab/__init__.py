"""HYSOPE lab: serves the JupyterLab front end built in ../build with Debian's Jupyter Server."""


def _jupyter_server_extension_points():
    from .app import HysopeLab

    return [{"module": "hysope_lab", "app": HysopeLab}]
