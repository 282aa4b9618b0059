"""JupyterHub signs in with HYSOPE's OpenID Connect provider, so one identity spans portal, lab and API.

Python only because JupyterHub's authenticators are Python. Debian has no oauthenticator, so this is a small
one of our own: authorization code + PKCE against the provider (Keycloak at CNES; any standard provider),
then the access token is shown to the HYSOPE gateway (`GET /whoami` with it as a bearer token). The gateway
checks the token (the provider's keys, issuer, audience, expiry) and maps its claims to a person and a role
exactly as it does for the portal and scripts, so the hub never holds a second copy of that mapping:

  * the hub user's name is the gateway's name for the person (preferred_username, else email, else sub);
  * the hub group `hysope-<role>` carries the role, which the gateway reads back from the hub when the lab
    calls it with the hub token (roles are refreshed at each sign-in).

Settings (environment, read by jupyterhub_config.py): HYSOPE_OIDC_ISSUER, HYSOPE_HUB_OIDC_CLIENT_ID (default
HYSOPE_OIDC_CLIENT_ID), HYSOPE_HUB_OIDC_CLIENT_SECRET (confidential clients), HYSOPE_OIDC_SCOPES,
HYSOPE_GATEWAY_URL.
"""
import base64
import hashlib
import hmac
import json
import secrets
import time
from urllib.parse import urlencode

from jupyterhub.auth import Authenticator
from jupyterhub.handlers import BaseHandler
from jupyterhub.utils import url_path_join
from tornado import web
from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest
from traitlets import Unicode

COOKIE = "hysope-oidc-login"
LOGIN_TTL = 600  # seconds a sign-in may take at the provider


def _b64url(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class OidcLoginHandler(BaseHandler):
    """Sends the browser to the provider with a fresh state and PKCE verifier kept in a signed cookie."""

    async def get(self):
        auth = self.authenticator
        config = await auth.provider_config()
        state = secrets.token_urlsafe(24)
        verifier = secrets.token_urlsafe(48)
        challenge = _b64url(hashlib.sha256(verifier.encode()).digest())
        saved = {"state": state, "verifier": verifier, "next": self.get_argument("next", ""), "t": time.time()}
        self.set_secure_cookie(COOKIE, json.dumps(saved), expires_days=None, httponly=True, path=self.hub.base_url)
        params = {
            "response_type": "code",
            "client_id": auth.client_id,
            "redirect_uri": auth.redirect_uri(self),
            "scope": auth.scopes,
            "state": state,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
        self.redirect(config["authorization_endpoint"] + "?" + urlencode(params))


class OidcCallbackHandler(BaseHandler):
    """The provider's answer: the state is checked, the code exchanged, the person signed in."""

    async def get(self):
        error = self.get_argument("error", None)
        if error:
            detail = self.get_argument("error_description", "")
            raise web.HTTPError(403, f"the provider refused the sign-in: {error}{': ' + detail if detail else ''}")
        raw = self.get_secure_cookie(COOKIE, max_age_days=LOGIN_TTL / 86400)
        self.clear_cookie(COOKIE, path=self.hub.base_url)
        if not raw:
            raise web.HTTPError(400, "this sign-in was not started here or took too long; sign in again")
        saved = json.loads(raw)
        if time.time() - saved.get("t", 0) > LOGIN_TTL:
            raise web.HTTPError(400, "this sign-in took too long; sign in again")
        if not hmac.compare_digest(saved["state"], self.get_argument("state", "")):
            raise web.HTTPError(400, "the sign-in answer does not match the request (state); sign in again")
        code = self.get_argument("code", "")
        if not code:
            raise web.HTTPError(400, "the provider sent no authorization code")
        user = await self.login_user({"code": code, "verifier": saved["verifier"], "redirect_uri": self.authenticator.redirect_uri(self)})
        if user is None:
            raise web.HTTPError(403, "HYSOPE did not accept this sign-in (see the hub's log for the reason)")
        nxt = saved.get("next") or ""
        # Only paths of this site: never an open redirect.
        if not nxt.startswith("/") or nxt.startswith("//"):
            nxt = self.get_next_url(user)
        self.redirect(nxt)


class HysopeOidcAuthenticator(Authenticator):
    login_service = Unicode("HYSOPE", config=True, help="The name on the hub's sign-in button")
    issuer = Unicode(config=True, help="The OpenID provider (issuer URL)")
    client_id = Unicode(config=True, help="The hub's client at the provider")
    client_secret = Unicode("", config=True, help="Its secret, for a confidential client (PKCE is used either way)")
    scopes = Unicode("openid profile email", config=True)
    gateway_url = Unicode(config=True, help="The HYSOPE gateway that checks tokens and names people")
    callback_url = Unicode("", config=True, help="The public callback address (default: from the request)")

    _provider = None

    def login_url(self, base_url):
        return url_path_join(base_url, "oauth_login")

    def get_handlers(self, app):
        return [("/oauth_login", OidcLoginHandler), ("/oauth_callback", OidcCallbackHandler)]

    def redirect_uri(self, handler):
        if self.callback_url:
            return self.callback_url
        return f"{handler.request.protocol}://{handler.request.host}{url_path_join(handler.hub.base_url, 'oauth_callback')}"

    async def provider_config(self):
        if self._provider is None:
            url = self.issuer.rstrip("/") + "/.well-known/openid-configuration"
            try:
                res = await AsyncHTTPClient().fetch(url, request_timeout=10)
            except Exception as e:  # the provider down: a clear error, not a stack trace
                raise web.HTTPError(503, f"the sign-in provider at {self.issuer} cannot be reached ({e})")
            self._provider = json.loads(res.body)
        return self._provider

    async def authenticate(self, handler, data):
        config = await self.provider_config()
        form = {
            "grant_type": "authorization_code",
            "code": data["code"],
            "code_verifier": data["verifier"],
            "redirect_uri": data["redirect_uri"],
            "client_id": self.client_id,
        }
        if self.client_secret:
            form["client_secret"] = self.client_secret
        http = AsyncHTTPClient()
        try:
            res = await http.fetch(
                HTTPRequest(
                    config["token_endpoint"],
                    method="POST",
                    body=urlencode(form),
                    headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"},
                    request_timeout=15,
                )
            )
        except HTTPClientError as e:
            self.log.warning("HYSOPE sign-in: the provider refused the code: %s %s", e.code, e.response.body[:300] if e.response else "")
            return None
        tokens = json.loads(res.body)
        # The gateway checks the token and says who it names, with the role it maps the claims to.
        try:
            res = await http.fetch(
                url_path_join(self.gateway_url, "whoami"),
                headers={"Authorization": "Bearer " + tokens["access_token"], "Accept": "application/json"},
                request_timeout=15,
            )
        except HTTPClientError as e:
            detail = e.response.body[:300].decode(errors="replace") if e.response else str(e)
            self.log.warning("HYSOPE sign-in: the gateway refused the token: %s %s", e.code, detail)
            return None
        me = json.loads(res.body)
        if not me.get("name") or me.get("role") in (None, "anonymous"):
            self.log.warning("HYSOPE sign-in: the gateway names nobody for this token: %s", me)
            return None
        return {"name": me["name"], "groups": [f"hysope-{me['role']}"]}
