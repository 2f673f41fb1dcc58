#!/usr/bin/env python3
"""Fidelity check: Microsoft's own clients against `authcheck sim --tls`.

MSAL for Python and azure-identity talk to the simulator over HTTPS (instance discovery off, the
simulator's CA trusted through REQUESTS_CA_BUNDLE). The healthy scenario must give them tokens they
accept, whose signatures verify against the simulator's JWKS; every failing scenario must reach them
as the same error fields and AADSTS codes Entra would send.

Delegated sign-in too: MSAL's device flow and its interactive flow obtain tokens while
signin_user.py plays the person at the simulator's sign-in pages (plain HTTP form posts).

Usage: python3 tests/fidelity/check_clients.py [--bin target/debug/authcheck] [-v]
Needs: pip install msal azure-identity   (PyJWT and cryptography come with msal)
Exit status: 0 when every check passes, 1 when one fails, 2 when the clients are not installed.
"""

import argparse
import json
import logging
import os
import ssl
import subprocess
import sys
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

try:
    import msal
    import jwt
    import requests
    from azure.core.exceptions import ClientAuthenticationError
    from azure.identity import (
        CertificateCredential,
        ClientAssertionCredential,
        ClientSecretCredential,
        ManagedIdentityCredential,
        UsernamePasswordCredential,
    )
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
except ImportError as e:  # pragma: no cover
    print(f"check_clients: missing Python package ({e}); run: pip install msal azure-identity", file=sys.stderr)
    sys.exit(2)

PURVIEW = "https://purview.azure.net/.default"
POWERPLATFORM = "https://api.powerplatform.com/.default"
PP_APP = "6d1e9b3a-4c2f-4a7e-8b5d-1f3a5c7e9b20"
USER = "alice@contoso.onmicrosoft.com"
PASSWORD = "Sim-Fixture-Passw0rd!"

# Failing scenarios: the OAuth error and the AADSTS code the client must surface.
EXPECTED = {
    "client-secret-invalid": ("invalid_client", 7000215),
    "client-secret-id-used": ("invalid_client", 7000215),
    "client-secret-expired": ("invalid_client", 7000222),
    "client-credential-missing": ("invalid_client", 7000216),
    "certificate-credential-invalid": ("invalid_client", 700027),
    "app-not-found-in-tenant": ("unauthorized_client", 700016),
    "service-principal-missing": ("invalid_client", 7000229),
    "tenant-not-found": ("invalid_request", 90002),
    "single-tenant-app-on-common-endpoint": ("invalid_request", 50194),
    "spa-cross-origin-redemption": ("invalid_request", 9002326),
    "invalid-scope": ("invalid_scope", 1002012),
    "resource-principal-missing": ("invalid_resource", 500011),
    "conditional-access-blocked": ("invalid_grant", 53003),
    "federated-credential-mismatch": ("invalid_request", 700213),
    "service-unavailable": ("temporarily_unavailable", 90033),
    "admin-consent-missing": ("invalid_grant", 65001),
    "mfa-required": ("invalid_grant", 50076),
    "user-assignment-required": ("invalid_grant", 50105),
    "public-client-flows-disabled": ("invalid_client", 7000218),
    "public-client-with-credential": ("invalid_client", 700025),
    "clock-skew": ("invalid_client", 700024),
}
# Scenarios with their own check (not a plain token request).
SPECIAL = ["refresh-token-expired", "managed-identity-unavailable", "token-signature-invalid"]
# Delegated sign-in with a person at the simulator's pages (signin_user.py posts the forms).
SIGNIN = ["device-flow", "interactive"]
SIGNIN_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "fixtures", "scenarios", "signin")

RESULTS = []


def check(name, ok, detail=""):
    RESULTS.append((name, bool(ok), detail))
    print(f"{'ok  ' if ok else 'FAIL'} {name}" + (f": {detail}" if detail and (not ok or VERBOSE) else ""))


class Sim:
    """One `authcheck sim --tls` process and its JSON line."""

    def __init__(self, binary, scenario):
        self.proc = subprocess.Popen(
            [binary, "sim", "--scenario", scenario, "--port", "0", "--tls"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"authcheck sim --scenario {scenario} printed nothing")
        self.info = json.loads(line)
        self.env = self.info["env"]
        os.environ["REQUESTS_CA_BUNDLE"] = self.info["ca"]
        os.environ["SSL_CERT_FILE"] = self.info["ca"]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        # SIGTERM: the simulator shuts down and removes the state folder it made.
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    @property
    def authority(self):
        return f"{self.info['authority']}/{self.env['AZURE_TENANT_ID']}"

    def arg(self, flag):
        a = self.info["doctor_args"]
        return a[a.index(flag) + 1] if flag in a else None

    def scope(self):
        if self.arg("--scope"):
            return self.arg("--scope")
        return {"purview": PURVIEW, "powerplatform": POWERPLATFORM}.get(self.arg("--api"), PURVIEW)


def cert_credential(path, sha256=False):
    pem = open(path, "rb").read()
    cert = x509.load_pem_x509_certificate(pem[pem.index(b"-----BEGIN CERTIFICATE-----"):])
    key = pem[: pem.index(b"-----END PRIVATE KEY-----") + len(b"-----END PRIVATE KEY-----")].decode()
    cred = {"private_key": key, "public_certificate": pem[pem.index(b"-----BEGIN CERTIFICATE-----"):].decode()}
    if not sha256:
        # An explicit SHA-1 thumbprint makes MSAL sign RS256 with `x5t`; without one it computes
        # the SHA-256 thumbprint and signs PS256 with `x5t#S256`.
        cred["thumbprint"] = cert.fingerprint(hashes.SHA1()).hex()
    return cred


def verify(sim, token, audience, issuer):
    ctx = ssl.create_default_context(cafile=sim.info["ca"])
    client = jwt.PyJWKClient(f"{sim.authority}/discovery/v2.0/keys", ssl_context=ctx)
    key = client.get_signing_key_from_jwt(token)
    return jwt.decode(token, key.key, algorithms=["RS256"], audience=audience, issuer=issuer)


def identity_kwargs(sim):
    return {"authority": sim.info["authority"], "disable_instance_discovery": True, "retry_total": 0}


def msal_app(sim, cls=msal.ConfidentialClientApplication, client_id=None, credential=None, http_client=None):
    kw = {"authority": sim.authority, "instance_discovery": False}
    if http_client is not None:
        kw["http_client"] = http_client
    if cls is msal.ConfidentialClientApplication:
        kw["client_credential"] = credential
    return cls(client_id or sim.env["AZURE_CLIENT_ID"], **kw)


def healthy(binary):
    with Sim(binary, "healthy") as sim:
        tid = sim.env["AZURE_TENANT_ID"]
        v1_issuer = f"https://sts.windows.net/{tid}/"
        secret = sim.env["AZURE_CLIENT_SECRET"]
        # MSAL, client secret.
        r = msal_app(sim, credential=secret).acquire_token_for_client(scopes=[PURVIEW])
        ok = "access_token" in r
        check("msal healthy client secret", ok, json.dumps({k: v for k, v in r.items() if k != "access_token"}))
        if ok:
            c = verify(sim, r["access_token"], "https://purview.azure.net", v1_issuer)
            check("msal token verifies against JWKS", c["appid"] == sim.env["AZURE_CLIENT_ID"], str(c.get("appid")))
        # MSAL, certificate (SHA-1 and SHA-256 thumbprints).
        for sha256 in (False, True):
            try:
                cred = cert_credential(sim.info["client_certificate"], sha256)
                r = msal_app(sim, credential=cred).acquire_token_for_client(scopes=[PURVIEW])
                check(f"msal healthy certificate ({'x5t#S256' if sha256 else 'x5t'})", "access_token" in r, str(r.get("error_description")))
            except (TypeError, ValueError) as e:
                check(f"msal healthy certificate ({'x5t#S256' if sha256 else 'x5t'})", False, repr(e))
        # MSAL, federated assertion.
        fed = open(sim.info["federated_token_file"]).read()
        r = msal_app(sim, credential={"client_assertion": fed}).acquire_token_for_client(scopes=[PURVIEW])
        check("msal healthy federated assertion", "access_token" in r, str(r.get("error_description")))
        # MSAL, ROPC.
        pca = msal_app(sim, cls=msal.PublicClientApplication, client_id=PP_APP)
        r = pca.acquire_token_by_username_password(USER, PASSWORD, scopes=[POWERPLATFORM])
        ok = "access_token" in r
        check("msal healthy ROPC", ok, str(r.get("error_description")))
        if ok:
            c = jwt.decode(r["access_token"], options={"verify_signature": False})
            check("msal ROPC token is delegated", "scp" in c and c.get("upn") == USER, str(c))
        # MSAL, refreshing through its cache.
        accounts = pca.get_accounts(username=USER)
        r = pca.acquire_token_silent_with_error([POWERPLATFORM], account=accounts[0] if accounts else None, force_refresh=True) or {}
        check("msal healthy refresh token", "access_token" in r, str(r.get("error_description")))
        # azure-identity, managed identity through the IMDS override.
        os.environ["AZURE_POD_IDENTITY_AUTHORITY_HOST"] = sim.info["authority"]
        try:
            t = ManagedIdentityCredential().get_token(PURVIEW)
            c = verify(sim, t.token, "https://purview.azure.net", v1_issuer)
            check("azure-identity ManagedIdentityCredential (IMDS)", c["appid"] == sim.env["AZURE_CLIENT_ID"])
        except Exception as e:  # noqa: BLE001 - report any failure of the client
            check("azure-identity ManagedIdentityCredential (IMDS)", False, repr(e)[:300])
        finally:
            del os.environ["AZURE_POD_IDENTITY_AUTHORITY_HOST"]
        # azure-identity.
        kw = identity_kwargs(sim)
        t = ClientSecretCredential(tid, sim.env["AZURE_CLIENT_ID"], secret, **kw).get_token(PURVIEW)
        c = verify(sim, t.token, "https://purview.azure.net", v1_issuer)
        check("azure-identity ClientSecretCredential", c["tid"] == tid and t.expires_on > 0)
        t = CertificateCredential(tid, sim.env["AZURE_CLIENT_ID"], certificate_path=sim.info["client_certificate"], **kw).get_token(PURVIEW)
        check("azure-identity CertificateCredential", bool(t.token))
        t = ClientAssertionCredential(tid, sim.env["AZURE_CLIENT_ID"], lambda: fed, **kw).get_token(PURVIEW)
        check("azure-identity ClientAssertionCredential (federated)", bool(t.token))
        try:
            t = UsernamePasswordCredential(PP_APP, USER, PASSWORD, tenant_id=tid, **kw).get_token(POWERPLATFORM)
            check("azure-identity UsernamePasswordCredential", bool(t.token))
        except ClientAuthenticationError as e:
            check("azure-identity UsernamePasswordCredential", False, str(e)[:300])
        # The token works at the data plane.
        purview = ClientSecretCredential(tid, sim.env["AZURE_CLIENT_ID"], secret, **kw).get_token(PURVIEW)
        resp = requests.get(
            f"{sim.info['purview']}/catalog/api/atlas/v2/types/typedefs",
            headers={"Authorization": f"Bearer {purview.token}"},
        )
        check("azure-identity token accepted by the Purview stand-in", resp.status_code == 200, str(resp.status_code))


def msal_failure(sim, name):
    """Runs the scenario's client through MSAL; returns the error dict (or raises)."""
    cred_kind = sim.arg("--credential")
    scope = sim.scope()
    secret = sim.env.get("AZURE_CLIENT_SECRET")
    if cred_kind == "password":
        if secret:
            app = msal_app(sim, credential=secret)
        else:
            app = msal_app(sim, cls=msal.PublicClientApplication)
        return app.acquire_token_by_username_password(sim.env["AZURE_USERNAME"], sim.env["AZURE_PASSWORD"], scopes=[scope])
    if cred_kind == "certificate":
        credential = cert_credential(sim.info["client_certificate"])
    elif cred_kind == "federated":
        credential = {"client_assertion": open(sim.info["federated_token_file"]).read()}
    else:
        credential = secret
    session = None
    if sim.arg("--origin"):
        session = requests.Session()
        session.headers["Origin"] = sim.arg("--origin")
    app = msal_app(sim, credential=credential, http_client=session)
    return app.acquire_token_for_client(scopes=[scope])


def identity_failure(sim):
    """Runs the scenario's client through azure-identity; returns the exception text."""
    kw = identity_kwargs(sim)
    tid, cid = sim.env["AZURE_TENANT_ID"], sim.env["AZURE_CLIENT_ID"]
    kind = sim.arg("--credential")
    try:
        if kind == "password":
            cred = UsernamePasswordCredential(cid, sim.env["AZURE_USERNAME"], sim.env["AZURE_PASSWORD"], tenant_id=tid, **kw)
        elif kind == "certificate":
            cred = CertificateCredential(tid, cid, certificate_path=sim.info["client_certificate"], **kw)
        elif kind == "federated":
            tok = open(sim.info["federated_token_file"]).read()
            cred = ClientAssertionCredential(tid, cid, lambda: tok, **kw)
        else:
            cred = ClientSecretCredential(tid, cid, sim.env.get("AZURE_CLIENT_SECRET") or "", **kw)
        cred.get_token(sim.scope())
        return None
    except (ClientAuthenticationError, ValueError) as e:
        return str(e)


def refresh_expired(binary):
    with Sim(binary, "refresh-token-expired") as sim:
        pca = msal_app(sim, cls=msal.PublicClientApplication)
        r = pca.acquire_token_by_username_password(sim.env["AZURE_USERNAME"], sim.env["AZURE_PASSWORD"], scopes=[POWERPLATFORM])
        check("msal refresh-token-expired: sign-in works", "access_token" in r, str(r.get("error_description")))
        accounts = pca.get_accounts()
        r = pca.acquire_token_silent_with_error([POWERPLATFORM], account=accounts[0] if accounts else None, force_refresh=True) or {}
        got = (r.get("error"), (r.get("error_codes") or [None])[0])
        check("msal refresh-token-expired", got == ("invalid_grant", 700082), f"got {got}")


def managed_identity_unavailable(binary):
    with Sim(binary, "managed-identity-unavailable") as sim:
        os.environ["AZURE_POD_IDENTITY_AUTHORITY_HOST"] = sim.env["AZURE_POD_IDENTITY_AUTHORITY_HOST"]
        try:
            ManagedIdentityCredential(client_id=sim.env["AZURE_CLIENT_ID"]).get_token(PURVIEW)
            check("azure-identity managed-identity-unavailable", False, "a token came back")
        except Exception as e:  # noqa: BLE001 - the client's own exception type is what we check
            check("azure-identity managed-identity-unavailable", "Identity not found" in str(e), repr(e)[:300])
        finally:
            del os.environ["AZURE_POD_IDENTITY_AUTHORITY_HOST"]


def signature_invalid(binary):
    """A withdrawn signing key: the clients get a token (they never verify access tokens, against
    Entra either), a JWT library finds its kid in no published key, and the API refuses it."""
    with Sim(binary, "token-signature-invalid") as sim:
        tid, cid, secret = sim.env["AZURE_TENANT_ID"], sim.env["AZURE_CLIENT_ID"], sim.env["AZURE_CLIENT_SECRET"]
        scope = "https://api.loganalytics.io/.default"
        r = msal_app(sim, credential=secret).acquire_token_for_client(scopes=[scope])
        check("msal token-signature-invalid: a token is issued", "access_token" in r, str(r.get("error_description")))
        t = ClientSecretCredential(tid, cid, secret, **identity_kwargs(sim)).get_token(scope)
        check("azure-identity token-signature-invalid: a token is issued", bool(t.token))
        kid = jwt.get_unverified_header(t.token).get("kid")
        try:
            verify(sim, t.token, "https://api.loganalytics.io", f"https://sts.windows.net/{tid}/")
            check("PyJWKClient refuses the token (kid in no published key)", False, "the signature verified")
        except jwt.exceptions.PyJWKClientError as e:
            check("PyJWKClient refuses the token (kid in no published key)", kid and kid in str(e), str(e)[:300])
        resp = requests.get(
            f"{sim.info['loganalytics']}/v1/workspaces/{sim.info['workspace_id']}/query",
            params={"query": "Heartbeat"},
            headers={"Authorization": f"Bearer {t.token}"},
        )
        www = resp.headers.get("WWW-Authenticate", "")
        check(
            "Log Analytics stand-in refuses it: 401 invalid_token, signature",
            resp.status_code == 401 and 'error="invalid_token"' in www and "signature" in www.lower(),
            f"{resp.status_code} {www[:200]}",
        )


def failing(binary, name):
    error, code = EXPECTED[name]
    with Sim(binary, name) as sim:
        try:
            r = msal_failure(sim, name)
            got = (r.get("error"), (r.get("error_codes") or [None])[0])
            ok = got == (error, code) and r.get("correlation_id") and r.get("trace_id")
            check(f"msal {name}", ok, f"got {got}, want {(error, code)}")
        except ValueError as e:
            # MSAL reads the tenant's discovery document first; an unknown tenant fails there, as
            # it does against Entra.
            check(f"msal {name}", name == "tenant-not-found", repr(e)[:300])
        except msal.exceptions.MsalServiceError as e:
            # MSAL raises on a 5xx instead of returning the body, as it does against Entra.
            check(f"msal {name}", name == "service-unavailable" and "503" in str(e), repr(e)[:300])
        if sim.arg("--origin") or name == "public-client-with-credential":
            return  # azure-identity sends no Origin header and never mixes ROPC with a secret.
        text = identity_failure(sim)
        if name == "tenant-not-found":
            check(f"azure-identity {name}", text is not None, str(text)[:300])
        elif name == "service-unavailable":
            # azure-identity reports MSAL's "HTTP Error: 503" for a 5xx, as it does against Entra.
            check(f"azure-identity {name}", text is not None and "503" in text, str(text)[:300])
        elif name == "client-credential-missing":
            # azure-identity refuses an empty secret before any request, as it does with Entra.
            check(f"azure-identity {name}", text is not None, str(text)[:300])
        else:
            check(f"azure-identity {name}", text is not None and f"AADSTS{code}" in text, str(text)[:300])


def device_flow(binary):
    """MSAL's initiate_device_flow / acquire_token_by_device_flow while a person enters the code."""
    import threading

    import signin_user

    with Sim(binary, os.path.join(SIGNIN_DIR, "device-code-mfa.toml")) as sim:
        app = msal_app(sim, cls=msal.PublicClientApplication)
        flow = app.initiate_device_flow(scopes=[POWERPLATFORM])
        check("device-flow: initiate_device_flow gives a user code", "user_code" in flow, json.dumps(flow)[:300])
        check("device-flow: Entra's message names the page and the code",
              flow.get("verification_uri", "") in flow.get("message", "") and flow.get("user_code", "-") in flow.get("message", ""))
        person = threading.Thread(
            target=signin_user.complete,
            args=(flow["verification_uri"], USER, PASSWORD),
            kwargs={"user_code": flow["user_code"]},
        )
        person.start()
        result = app.acquire_token_by_device_flow(flow)
        person.join()
        ok = "access_token" in result
        check("device-flow: acquire_token_by_device_flow gets a token after MFA", ok, json.dumps(result)[:400])
        if ok:
            claims = verify(sim, result["access_token"], "https://api.powerplatform.com",
                            f"https://sts.windows.net/{sim.env['AZURE_TENANT_ID']}/")
            check("device-flow: the token is Alice's, signed by the tenant", claims.get("upn") == USER or claims.get("unique_name") == USER, str(claims)[:300])
            check("device-flow: MSAL accepted the id token", bool(result.get("id_token_claims")), str(result.get("id_token_claims"))[:200])
    with Sim(binary, os.path.join(SIGNIN_DIR, "device-code-expired.toml")) as sim:
        app = msal_app(sim, cls=msal.PublicClientApplication)
        flow = app.initiate_device_flow(scopes=[POWERPLATFORM])
        result = app.acquire_token_by_device_flow(flow)
        check("device-flow: nobody signs in -> expired_token", result.get("error") == "expired_token" and 70019 in result.get("error_codes", []), json.dumps(result)[:300])


def interactive(binary):
    """MSAL's acquire_token_interactive with a browser opener that completes the pages over HTTP."""
    import signin_user
    import webbrowser

    class Person(webbrowser.BaseBrowser):
        def open(self, url, new=0, autoraise=True):
            import threading

            def walk():
                location, page = signin_user.complete(url, USER, PASSWORD)
                if location:
                    # The "browser" follows the last redirect to MSAL's loopback listener.
                    import urllib.request
                    urllib.request.urlopen(location, timeout=30).read()
            threading.Thread(target=walk, daemon=True).start()
            return True

    webbrowser.register("authcheck-person", None, Person("authcheck-person"), preferred=True)
    with Sim(binary, os.path.join(SIGNIN_DIR, "browser-signin.toml")) as sim:
        app = msal_app(sim, cls=msal.PublicClientApplication)
        result = app.acquire_token_interactive(scopes=[POWERPLATFORM], timeout=60, port=0)
        check("interactive: acquire_token_interactive gets a token through the consent screen",
              "access_token" in result, json.dumps(result)[:400])
    with Sim(binary, os.path.join(SIGNIN_DIR, "browser-user-not-assigned.toml")) as sim:
        app = msal_app(sim, cls=msal.PublicClientApplication)
        result = app.acquire_token_interactive(scopes=[POWERPLATFORM], timeout=60, port=0)
        check("interactive: an unassigned user comes back as access_denied with AADSTS50105",
              result.get("error") == "access_denied" and "AADSTS50105" in result.get("error_description", ""),
              json.dumps(result)[:400])


def main():
    global VERBOSE
    # MSAL builds its home-realm-discovery URL from the authority's host without its port; the
    # simulator listens on a port, so ROPC skips that lookup (the simulator serves it, at
    # /common/userrealm/…, for clients that keep the port).
    msal.authority.Authority._domains_without_user_realm_discovery.add("127.0.0.1")
    p = argparse.ArgumentParser()
    p.add_argument("--bin", default=os.environ.get("AUTHCHECK_BIN", "target/debug/authcheck"))
    p.add_argument("-v", "--verbose", action="store_true")
    p.add_argument("scenarios", nargs="*")
    a = p.parse_args()
    VERBOSE = a.verbose
    # azure-identity logs each refusal as a warning; the checks below report them instead.
    logging.getLogger("azure.identity").setLevel(logging.CRITICAL)
    os.environ["NO_PROXY"] = "127.0.0.1,localhost"
    os.environ["no_proxy"] = "127.0.0.1,localhost"
    wanted = a.scenarios or ["healthy", *EXPECTED, *SPECIAL, *SIGNIN]
    for name in wanted:
        try:
            if name == "healthy":
                healthy(a.bin)
            elif name == "refresh-token-expired":
                refresh_expired(a.bin)
            elif name == "managed-identity-unavailable":
                managed_identity_unavailable(a.bin)
            elif name == "token-signature-invalid":
                signature_invalid(a.bin)
            elif name == "device-flow":
                device_flow(a.bin)
            elif name == "interactive":
                interactive(a.bin)
            else:
                failing(a.bin, name)
        except Exception as e:  # a crash in one scenario is a failure, not the end of the run
            check(f"{name} (crashed)", False, "".join(traceback.format_exception_only(type(e), e)).strip()[:500])
            if VERBOSE:
                traceback.print_exc()
    failed = [n for n, ok, _ in RESULTS if not ok]
    print(f"\n{len(RESULTS) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


VERBOSE = False
if __name__ == "__main__":
    sys.exit(main())
