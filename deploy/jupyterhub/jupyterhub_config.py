"""JupyterHub for HYSOPE: Debian's jupyterhub + configurable-http-proxy spawning the HYSOPE lab per user.

Python only because JupyterHub is configured in Python. Everything site-specific comes from the
environment, so one file serves a workshop machine, an HPC login node and the tests:

  HYSOPE_HOME            the HYSOPE checkout (default: two folders up)
  HYSOPE_HUB_STATE       where the hub keeps its database, cookie secret and per-user lab state
  HYSOPE_HUB_URL         public URL of the hub (default http://127.0.0.1:8000)
  HYSOPE_HUB_API_URL     where the hub API listens (default http://127.0.0.1:8081); the gateway verifies
                         users' tokens at <this>/hub/api (HYSOPE_HUB_API_URL of the gateway)
  HYSOPE_GATEWAY_URL     the gateway the labs talk to (default http://127.0.0.1:8080)
  HYSOPE_HUB_AUTH        pam (default) | dummy (workshops, tests: one shared password) | oidc (single sign-on
                         with the portal and the API: hysope_oidc.py, with HYSOPE_OIDC_ISSUER,
                         HYSOPE_HUB_OIDC_CLIENT_ID, HYSOPE_HUB_OIDC_CLIENT_SECRET, HYSOPE_HUB_AUTO_LOGIN=0 for a button)
  HYSOPE_HUB_PASSWORD    the dummy authenticator's password
  HYSOPE_HUB_SPAWNER     local (default: users' own accounts) | simple (no account switch, tests)
                         | slurm (deploy/hpc/slurmspawner.py: the lab runs as a SLURM job)
  HYSOPE_HUB_ADMINS      comma-separated admin users
  HYSOPE_HUB_SERVICE_TOKEN  when set, a "hysope-admin" service with this token may manage servers (tests, ops)

Each user's lab gets the hub's API token (JUPYTERHUB_API_TOKEN): the lab hands it to the gateway, and
kernels-bridge sends it from notebooks, so the gateway knows the user (roles from hub groups hysope-<role>).
"""
import os
import sys

HOME = os.environ.get("HYSOPE_HOME", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
STATE = os.environ.get("HYSOPE_HUB_STATE", "/var/lib/hysope-hub")
os.makedirs(STATE, exist_ok=True)

c = get_config()  # noqa: F821 (provided by JupyterHub)

c.JupyterHub.bind_url = os.environ.get("HYSOPE_HUB_URL", "http://127.0.0.1:8000")
c.JupyterHub.hub_bind_url = os.environ.get("HYSOPE_HUB_API_URL", "http://127.0.0.1:8081")
c.JupyterHub.db_url = "sqlite:///" + os.path.join(STATE, "jupyterhub.sqlite")
c.JupyterHub.cookie_secret_file = os.path.join(STATE, "jupyterhub_cookie_secret")
c.ConfigurableHTTPProxy.pid_file = os.path.join(STATE, "proxy.pid")
c.ConfigurableHTTPProxy.api_url = os.environ.get("HYSOPE_HUB_PROXY_API", "http://127.0.0.1:8001")
# The proxy from the repository's npm dependencies (runs on the same Node as the rest of HYSOPE).
_proxy = os.path.join(HOME, "node_modules", ".bin", "configurable-http-proxy")
if os.path.exists(_proxy):
    c.ConfigurableHTTPProxy.command = [_proxy]
c.JupyterHub.cleanup_servers = True

# Authentication.
auth = os.environ.get("HYSOPE_HUB_AUTH", "pam")
if auth == "oidc":
    # Single sign-on with the portal and the API (deploy/jupyterhub/hysope_oidc.py).
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    c.JupyterHub.authenticator_class = "hysope_oidc.HysopeOidcAuthenticator"
    c.HysopeOidcAuthenticator.issuer = os.environ["HYSOPE_OIDC_ISSUER"]
    c.HysopeOidcAuthenticator.client_id = os.environ.get("HYSOPE_HUB_OIDC_CLIENT_ID", os.environ.get("HYSOPE_OIDC_CLIENT_ID", "hysope"))
    c.HysopeOidcAuthenticator.client_secret = os.environ.get("HYSOPE_HUB_OIDC_CLIENT_SECRET", "")
    c.HysopeOidcAuthenticator.scopes = os.environ.get("HYSOPE_OIDC_SCOPES", "openid profile email")
    c.HysopeOidcAuthenticator.gateway_url = os.environ.get("HYSOPE_GATEWAY_URL", "http://127.0.0.1:8080")
    c.HysopeOidcAuthenticator.callback_url = os.environ.get("HYSOPE_HUB_URL", "http://127.0.0.1:8000").rstrip("/") + "/hub/oauth_callback"
    c.HysopeOidcAuthenticator.manage_groups = True
    # Anyone the provider vouches for and the gateway accepts may use the hub (no allowed_users list); the
    # "Sign in with HYSOPE" button is skipped unless asked for.
    c.HysopeOidcAuthenticator.auto_login = os.environ.get("HYSOPE_HUB_AUTO_LOGIN", "1") != "0"
else:
    c.JupyterHub.authenticator_class = auth
if auth == "dummy":
    c.DummyAuthenticator.password = os.environ["HYSOPE_HUB_PASSWORD"]
admins = {u for u in os.environ.get("HYSOPE_HUB_ADMINS", "").split(",") if u}
if admins:
    c.Authenticator.admin_users = admins

# The single-user server: Debian's jupyterhub-singleuser running Jupyter Server with the HYSOPE lab.
spawner = os.environ.get("HYSOPE_HUB_SPAWNER", "local")
if spawner == "slurm":
    sys.path.insert(0, os.path.join(HOME, "deploy", "hpc"))
    c.JupyterHub.spawner_class = "slurmspawner.SlurmSpawner"
else:
    c.JupyterHub.spawner_class = spawner
c.Spawner.cmd = ["/usr/bin/python3", "-m", "jupyterhub.singleuser"]
c.Spawner.default_url = "/lab"
c.Spawner.args = [
    '--ServerApp.jpserver_extensions=hysope_lab=True',
    "--ServerApp.default_url=/lab",
    "--FileContentsManager.delete_to_trash=False",
]
if os.geteuid() == 0 and spawner != "local":
    c.Spawner.args.append("--ServerApp.allow_root=True")
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
c.Spawner.notebook_dir = os.environ.get("HYSOPE_HUB_NOTEBOOK_DIR", os.path.join(HOME, "notebooks"))


def _lab_state(spawner):
    return os.path.join(STATE, "users", spawner.user.name)


def _jupyter_path(spawner):
    # The lab's kernel specs (tslab registered by scripts/kernels.sh) in the user's state, then the system's.
    return os.path.join(_lab_state(spawner), "data")


c.Spawner.environment = {
    "PYTHONPATH": os.path.join(HOME, "server", "lab"),
    "HYSOPE_GATEWAY_URL": os.environ.get("HYSOPE_GATEWAY_URL", "http://127.0.0.1:8080"),
    "HYSOPE_LAB_STATE": _lab_state,
    "JUPYTER_PATH": _jupyter_path,
    "JUPYTER_DATA_DIR": _jupyter_path,
    "JUPYTER_CONFIG_DIR": lambda s: os.path.join(_lab_state(s), "config"),
    "JUPYTER_RUNTIME_DIR": lambda s: os.path.join(_lab_state(s), "runtime"),
}


def _prepare(spawner):
    """Creates the user's lab state and registers the TypeScript kernels in it (idempotent)."""
    import subprocess

    state = _lab_state(spawner)
    for sub in ("data", "config", "runtime"):
        os.makedirs(os.path.join(state, sub), exist_ok=True)
    if not os.path.exists(os.path.join(state, "data", "kernels", "tslab")):
        subprocess.run(["bash", os.path.join(HOME, "scripts", "kernels.sh"), os.path.join(state, "data")], check=True, capture_output=True)


c.Spawner.pre_spawn_hook = _prepare

# A service that may manage users' servers (tests and operations), when a token is given.
service_token = os.environ.get("HYSOPE_HUB_SERVICE_TOKEN")
if service_token:
    c.JupyterHub.services = [{"name": "hysope-admin", "api_token": service_token}]
    c.JupyterHub.load_roles = [
        {
            "name": "hysope-admin",
            "scopes": ["admin:users", "admin:servers", "access:servers", "read:users", "tokens"],
            "services": ["hysope-admin"],
        }
    ]
