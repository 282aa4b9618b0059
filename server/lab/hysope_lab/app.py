"""The HYSOPE lab server: a jupyterlab_server LabServerApp over the webpack build in ../build.

Python only because Jupyter Server is Python. Page config carries the gateway URL and token to the
extensions (never hard-coded in them). Shims answer the jupyter_server 2.x endpoints that the
JupyterLab 4.6 front end calls and Debian's jupyter_server 1.23 lacks (/api/me, /api/events).
"""
import json
import os
import re

from jupyter_server.base.handlers import APIHandler, FileFindHandler, JupyterHandler
from jupyterlab_server import LabServerApp
from tornado import web, websocket
from tornado.web import GZipContentEncoding

HERE = os.path.dirname(os.path.abspath(__file__))
BUILD = os.environ.get("HYSOPE_LAB_BUILD", os.path.join(os.path.dirname(HERE), "build"))
STATE = os.environ.get("HYSOPE_LAB_STATE", os.path.join(os.path.expanduser("~"), ".hysope-lab"))


class MeHandler(APIHandler):
    """GET /api/me (jupyter_server 2.x identity API): the single local user."""

    @web.authenticated
    def get(self):
        name = os.environ.get("JUPYTERHUB_USER") or os.environ.get("USER") or "hysope"
        self.finish(json.dumps({"identity": {"username": name, "name": name, "display_name": name, "initials": name[:1].upper(), "avatar_url": None, "color": None}, "permissions": {}}))


class EventsHandler(APIHandler):
    """POST /api/events: accepted and dropped (no event bus in jupyter_server 1.23)."""

    @web.authenticated
    def post(self):
        self.set_status(204)
        self.finish()


class EventsSocket(websocket.WebSocketHandler, JupyterHandler):
    """WS /api/events/subscribe: an idle socket, so the front end stops retrying."""

    def get(self, *args, **kwargs):
        if self.current_user is None:
            raise web.HTTPError(403)
        return super().get(*args, **kwargs)

    def on_message(self, message):
        pass


# A file named by its content hash (webpack's `[name].[contenthash].js`, `[hash][ext]`) never changes.
HASHED = re.compile(r"(^|[/.])[0-9a-f]{16,}\.[a-z0-9]+$")


class LabStaticHandler(FileFindHandler):
    """Static files as Jupyter serves them, except that content-hashed ones are cached for a year (immutable)."""

    def set_headers(self):
        super().set_headers()
        if HASHED.search(self.request.path):
            self.set_header("Cache-Control", "public, max-age=31536000, immutable")


class HysopeLab(LabServerApp):
    name = "hysope_lab"
    extension_url = "/lab"
    default_url = "/lab"
    load_other_extensions = True
    app_name = "HYSOPE"
    app_namespace = "hysope"
    app_version = "0.1.0"
    static_dir = BUILD
    templates_dir = os.path.join(HERE, "templates")
    app_settings_dir = os.path.join(BUILD, "application_settings")
    schemas_dir = os.path.join(BUILD, "schemas")
    themes_dir = os.path.join(BUILD, "themes")
    user_settings_dir = os.path.join(STATE, "user_settings")
    workspaces_dir = os.path.join(STATE, "workspaces")

    def initialize_settings(self):
        super().initialize_settings()
        # The build's static files: hashed ones long-cached, every text response gzip-compressed (the lab's
        # JavaScript is most of a first load).
        self.settings["static_handler_class"] = LabStaticHandler
        # (HYSOPE_LAB_COMPRESS=0 serves it uncompressed, as before: the benchmark's baseline.)
        if os.environ.get("HYSOPE_LAB_COMPRESS") != "0" and GZipContentEncoding not in self.serverapp.web_app.transforms:
            self.serverapp.web_app.transforms.append(GZipContentEncoding)
        page = self.serverapp.web_app.settings.setdefault("page_config_data", {})
        page["exposeAppInBrowser"] = True
        # Under JupyterHub the server lives under /user/<name>/: the front end must know it.
        page["baseUrl"] = self.serverapp.base_url
        page["hysopeGatewayUrl"] = os.environ.get("HYSOPE_GATEWAY_URL", "http://127.0.0.1:8080")
        # The hub's token when under JupyterHub (the gateway verifies it), else an API key if one is set.
        page["hysopeGalata"] = os.environ.get("HYSOPE_GALATA") == "1"
        page["hysopeToken"] = os.environ.get("HYSOPE_TOKEN") or os.environ.get("JUPYTERHUB_API_TOKEN") or ""
        # The first kernel spec listing imports ipykernel (0.27 s here): done now rather than while a browser's first
        # /api/kernelspecs holds up the requests queued behind it on this single-threaded server.
        try:
            self.serverapp.kernel_spec_manager.get_all_specs()
        except Exception as error:  # a broken spec is reported when the front end asks, as before
            self.log.warning("kernel specs: %s", error)

    def initialize_handlers(self):
        super().initialize_handlers()
        if os.environ.get("HYSOPE_NO_SHIMS") == "1":
            return
        self.handlers.extend([(r"/api/me", MeHandler), (r"/api/events", EventsHandler), (r"/api/events/subscribe", EventsSocket)])


main = HysopeLab.launch_instance
