"""A tiny OpenID Connect identity provider for the tests of ProConnect (no network).

`IdentityProvider` serves, on 127.0.0.1 in a thread, the token endpoint (checks the
client's credentials and the code, answers an RS256 ID token signed with a test key),
the JWKS and the userinfo endpoint (a signed JWT, as ProConnect answers). The
authorization step, which a browser would do, is `approve(authorize_url, email)`: it
reads the request the tool sent, remembers its nonce and answers the query string the
provider would send back to the tool's callback.

The end-session endpoint (`/session/end`, ProConnect's logout) checks its `id_token_hint`
(an ID token it signed for this client), requires `state` and `post_logout_redirect_uri`,
records the subject in `ended` and sends the browser back there with the state.

`tamper` makes the provider misbehave: "signature" (signed with another key), "nonce"
(another nonce), "expired", "audience" (for another client)."""

import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

CLIENT_ID = "cdvs-test"
CLIENT_SECRET = "secret-de-test"  # noqa: S105 (the test provider's own)


def _new_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class IdentityProvider:
    def __init__(self):
        self.key = _new_key()
        self.other_key = _new_key()
        self.kid = "cle-de-test"
        self.codes: dict[str, dict] = {}
        self.ended: list[str] = []  # subjects whose session ended at the provider
        self.tamper: str | None = None
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def settings(self) -> dict:
        """The tool's settings pointing at this provider."""
        return {
            "OIDC_RP_CLIENT_ID": CLIENT_ID,
            "OIDC_RP_CLIENT_SECRET": CLIENT_SECRET,
            "OIDC_OP_AUTHORIZATION_ENDPOINT": f"{self.url}/authorize",
            "OIDC_OP_TOKEN_ENDPOINT": f"{self.url}/token",
            "OIDC_OP_USER_ENDPOINT": f"{self.url}/userinfo",
            "OIDC_OP_JWKS_ENDPOINT": f"{self.url}/jwks",
            "OIDC_OP_LOGOUT_ENDPOINT": f"{self.url}/session/end",
            "PROCONNECT_ISSUER": self.url,
        }

    def approve(self, authorize_url: str, email: str, **claims) -> dict:
        """The agent logs in at the provider: the callback's query parameters."""
        query = {k: v[0] for k, v in parse_qs(urlsplit(authorize_url).query).items()}
        assert query["client_id"] == CLIENT_ID and query["response_type"] == "code"
        code = secrets.token_urlsafe(16)
        self.codes[code] = {
            "nonce": query.get("nonce"),
            "redirect_uri": query["redirect_uri"],
            "claims": {"email": email, "given_name": "Camille", "usual_name": "Agent", **claims},
        }
        return {"code": code, "state": query["state"]}

    def _sign(self, payload: dict) -> str:
        key = self.other_key if self.tamper == "signature" else self.key
        return jwt.encode(payload, key, algorithm="RS256", headers={"kid": self.kid})

    def _id_token(self, grant: dict) -> str:
        now = int(time.time())
        payload = {
            "iss": self.url,
            "sub": "agent-" + grant["claims"]["email"],
            "aud": "un-autre-service" if self.tamper == "audience" else CLIENT_ID,
            "iat": now,
            "exp": now - 60 if self.tamper == "expired" else now + 300,
            "nonce": "un-autre-nonce" if self.tamper == "nonce" else grant["nonce"],
        }
        return self._sign(payload)

    def _jwks(self) -> dict:
        public = jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        return {"keys": [{**public, "kid": self.kid, "alg": "RS256", "use": "sig"}]}

    def _handler(self):
        provider = self
        tokens: dict[str, dict] = {}

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self, status, body, content_type="application/json"):
                data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _end_session(self):
                query = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
                back, state = query.get("post_logout_redirect_uri"), query.get("state")
                try:
                    claims = jwt.decode(
                        query.get("id_token_hint", ""),
                        provider.key.public_key(),
                        algorithms=["RS256"],
                        audience=CLIENT_ID,
                        issuer=provider.url,
                        options={"verify_exp": False},  # a hint may have expired
                    )
                except jwt.InvalidTokenError:
                    return self._answer(400, {"error": "invalid_id_token_hint"})
                if not back or not state:
                    return self._answer(400, {"error": "invalid_request"})
                provider.ended.append(claims["sub"])
                self.send_response(302)
                self.send_header("Location", f"{back}?{urlencode({'state': state})}")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_GET(self):
                if self.path.startswith("/session/end?"):
                    return self._end_session()
                if self.path == "/jwks":
                    return self._answer(200, provider._jwks())
                if self.path == "/userinfo":
                    token = self.headers.get("Authorization", "").removeprefix("Bearer ")
                    grant = tokens.get(token)
                    if grant is None:
                        return self._answer(401, {"error": "invalid_token"})
                    claims = {"iss": provider.url, "aud": CLIENT_ID, **grant["claims"]}
                    claims["sub"] = "agent-" + grant["claims"]["email"]
                    return self._answer(200, provider._sign(claims), "application/jwt")
                return self._answer(404, {"error": "not_found"})

            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                if self.path != "/token":
                    return self._answer(404, {"error": "not_found"})
                if (form.get("client_id"), form.get("client_secret")) != (
                    CLIENT_ID,
                    CLIENT_SECRET,
                ):
                    return self._answer(401, {"error": "invalid_client"})
                grant = provider.codes.pop(form.get("code", ""), None)
                if grant is None or grant["redirect_uri"] != form.get("redirect_uri"):
                    return self._answer(400, {"error": "invalid_grant"})
                access = secrets.token_urlsafe(16)
                tokens[access] = grant
                return self._answer(
                    200,
                    {
                        "access_token": access,
                        "token_type": "Bearer",
                        "expires_in": 60,
                        "id_token": provider._id_token(grant),
                    },
                )

        return Handler
