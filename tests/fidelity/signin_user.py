"""A person at the simulator's sign-in pages, over plain HTTP: reads each page's form (its action,
hidden fields and buttons) and posts what a person would type. Used by check_clients.py to stand in
for the user while MSAL for Python waits on a device code or an interactive sign-in.

Only the standard library: no browser, no cookies (the pages carry their state in `flowToken`).
"""

import html.parser
import urllib.error
import urllib.parse
import urllib.request


class _Form(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.action = None
        self.hidden = {}
        self.fields = []
        self.buttons = []
        self.heading = ""
        self._in_heading = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and self.action is None:
            self.action = a.get("action")
        elif tag == "input":
            if a.get("type") == "hidden":
                self.hidden[a.get("name")] = a.get("value", "")
            elif a.get("type") != "submit" and a.get("name"):
                self.fields.append(a["name"])
        elif tag == "button" and a.get("name"):
            self.buttons.append((a["name"], a.get("value", "")))
        elif a.get("role") == "heading" or tag == "h1":
            self._in_heading = True

    def handle_endtag(self, tag):
        self._in_heading = False

    def handle_data(self, data):
        if self._in_heading:
            self.heading += data


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def _fetch(url, data=None):
    """Returns (status, location, body)."""
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    req = urllib.request.Request(url, data=body)
    try:
        with _opener.open(req, timeout=30) as r:
            return r.status, r.headers.get("Location"), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Location"), e.read().decode()


def _form(page):
    f = _Form()
    f.feed(page)
    return f


def complete(start_url, upn, password, mfa_code="246810", decision="accept", user_code=None):
    """Walks the pages from `start_url` (the verification page or an authorize URL). Returns the
    redirect Location an authorize flow ends with (None for a device code, and for form_post,
    whose answer this function posts itself), and the last page."""
    base = "{0.scheme}://{0.netloc}".format(urllib.parse.urlsplit(start_url))
    status, location, page = _fetch(start_url)
    if user_code is not None:
        f = _form(page)
        status, location, page = _fetch(base + f.action, {"otc": user_code})
    for _ in range(10):
        if location:
            return location, page
        f = _form(page)
        if f.action is None:
            return None, page
        data = dict(f.hidden)
        if f.action.startswith("http") and not f.action.startswith(base):
            # response_mode=form_post: the page posts the answer to the app's redirect URI.
            _fetch(f.action, data)
            return None, page
        names = set(f.fields) | {b[0] for b in f.buttons}
        if "continue" in names:
            data["continue"] = "yes" if decision != "decline" else "no"
        elif "login" in names:
            data["login"] = upn
        elif "passwd" in names:
            data["passwd"] = password
        elif "otc" in names:
            data["otc"] = mfa_code
        elif "consent" in names:
            data["consent"] = "accept" if decision != "decline-consent" else "decline"
        else:
            return None, page
        status, location, page = _fetch(base + f.action, data)
    return location, page
