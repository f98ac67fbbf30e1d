"""What a request may reach outside the dataset, and the headers every answer carries.

Oxigraph calls any SERVICE endpoint a query names and LOADs any IRI an update names, loopback,
link-local and private addresses included, so this module is the only guard in front of it.
Before a query or update runs, its SERVICE and LOAD targets are read from the parsed request:

* SERVICE may only call an allow-listed endpoint (``service_allow``; by default Wikidata's query
  service). The target is resolved as Oxigraph resolves it (PREFIX and BASE declarations in the
  order they come, in every operation of an update) and compared with the allow-list after
  RFC 3986 normalisation (case of scheme and host, default port, dot segments, percent-encoding
  of unreserved characters): exactly equal or refused. IRIs with user information are never
  allowed; a variable endpoint (``SERVICE ?x``) is refused. A ``file:`` IRI or a loopback,
  link-local or private address is only reachable if the operator lists that exact endpoint.
* LOAD is refused, whatever its target.
* A request the checker cannot parse is refused (400) when it could hold SERVICE or LOAD: a
  request we cannot read is not sent anywhere.
* The check runs where queries run, inside their time limit (``guard_for`` says what to check,
  ``guarded`` checks it): for a query in the job that runs it, for an update before the write.

The parser is rdflib's, so it must read the text as Oxigraph reads it. Two differences matter and
are removed before rdflib sees the text (``oxigraph_view``): rdflib expands ``\\uXXXX`` escapes
in the whole text before parsing (Oxigraph only inside strings and IRIs, so an escaped quote
could hide a SERVICE clause inside what rdflib takes for a string), and rdflib ends a comment at
a line feed only (Oxigraph also at a carriage return, so a comment could hide one from rdflib).

FROM, FROM NAMED, USING, WITH and GRAPH only name graphs of the store; Oxigraph never fetches
them (tests/server/test_safety.py proves it against a local HTTP server).
"""

from __future__ import annotations

import ipaddress
import re
import socket
from functools import lru_cache

from pyparsing import ParseBaseException, ParseResults
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import URIRef, Variable

from server import rdflib_fixes
from server.errors import APIError

rdflib_fixes.apply()  # before anything here parses

ALLOWED_SCHEMES = ("http", "https")
_DEFAULT_PORTS = {"http": "80", "https": "443"}
# A request that could name a remote target: checked with the parser, everything else is not.
_REMOTE_WORDS = re.compile(r"service|load", re.IGNORECASE)
# RFC 3986 appendix B, anchored; control characters, spaces and backslashes are refused first.
_URI = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):(?://([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?")
_UNSAFE = re.compile(r"[\x00-\x20\x7f\\<>\"{}|^`]")
_HOST = re.compile(r"[a-z0-9.\-_~%!$&'()*+,;=]*|\[[0-9a-f:.]+\]")
_PCT = re.compile(r"%([0-9A-Fa-f]{2})")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
# Characters an escape may stand for without changing where a string or an IRI ends.
_SAFE_ESCAPED = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:/?@!$&()*+,;=%"
)
_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))", re.DOTALL)


# -- reading the request as Oxigraph reads it -----------------------------------------------------
def oxigraph_view(text: str) -> str:
    r"""``text`` with its escapes and line ends made harmless, for rdflib to parse.

    Each ``\uXXXX`` / ``\UXXXXXXXX`` becomes the character it stands for when that character
    cannot end a string or an IRI, and U+FFFD (which no allow-listed IRI contains) otherwise;
    ``\\`` becomes ``\t`` (both only valid inside strings, where they change nothing we check),
    so rdflib's own escape expansion finds nothing left to expand. A lone carriage return becomes
    a line feed, so both parsers end comments at the same place (CR LF keeps its line count).
    """

    def replace(match: re.Match) -> str:
        code = match.group(1) or match.group(2)
        if code is not None:
            value = int(code, 16)
            char = chr(value) if value <= 0x10FFFF else "\ufffd"
            return char if char in _SAFE_ESCAPED else "\ufffd"
        other = match.group(3)
        if other in "uU":  # not a valid escape: Oxigraph refuses the request, so must we
            return "\ufffd"
        return "\\t" if other == "\\" else "\\" + other

    return _ESCAPE.sub(replace, text).replace("\r\n", " \n").replace("\r", "\n")


def _may_reach_out(text: str) -> bool:
    return bool(_REMOTE_WORDS.search(text) or _REMOTE_WORDS.search(oxigraph_view(text)))


def guard_for(
    text: str, allowed: tuple[str, ...], redirects: dict[str, str], kind: str = "query"
) -> dict | None:
    """What must be checked before a query or update (``kind``) runs, or None when its text
    cannot name a remote target.

    The check itself (``guarded``) runs where queries run, inside their time limit: rdflib parses
    a long text slowly (about 9 s for 300 KB), and a check outside the limit was CPU anyone could
    take without one.
    """
    if not _may_reach_out(text):
        return None
    return {"kind": kind, "allow": tuple(allowed), "redirects": dict(redirects)}


def guarded(text: str, guard: dict) -> tuple:
    """("ok", the text to run) after the SERVICE and LOAD check and the redirects; or ("error",
    status, message) when the request is refused."""
    check = check_update if guard.get("kind") == "update" else check_query
    try:
        check(text, guard["allow"])
    except APIError as err:
        return ("error", err.status, err.message)
    return ("ok", redirect_services(text, guard["redirects"]))


def _parse(text: str, parse, what: str):
    try:
        return parse(oxigraph_view(text))
    except ParseBaseException as err:
        raise APIError(
            400,
            f"SPARQL syntax error (line {err.lineno}, column {err.col}): {err.msg}; "
            f"the {what} is refused because its SERVICE and LOAD targets cannot be checked",
        ) from None
    except Exception as err:  # noqa: BLE001 - any parser failure: refuse, never run unchecked
        raise APIError(
            400, f"cannot read the {what} to check its SERVICE and LOAD targets: {err}"
        ) from None


def _walk(node):
    if isinstance(node, CompValue):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list | tuple | ParseResults):
        for item in node:
            yield from _walk(item)


class _Scope:
    """The BASE and prefixes in effect, updated declaration by declaration as Oxigraph does."""

    def __init__(self) -> None:
        self.base: str | None = None
        self.prefixes: dict[str, str] = {}

    def declare(self, prologue) -> None:
        for decl in _walk(prologue):
            if decl.name == "Base":
                self.base = self.absolute(str(decl["iri"]))
            elif decl.name == "PrefixDecl":
                self.prefixes[decl.get("prefix") or ""] = self.absolute(str(decl["iri"]))

    def absolute(self, reference: str) -> str:
        return reference if self.base is None else resolve(self.base, reference)

    def target(self, term) -> str | None:
        """The IRI a SERVICE or LOAD operand stands for; None for a variable."""
        if isinstance(term, Variable):
            return None
        if isinstance(term, URIRef):
            return self.absolute(str(term))
        if isinstance(term, CompValue) and term.name == "pname":
            prefix = term.get("prefix") or ""
            if prefix not in self.prefixes:
                raise APIError(400, f"unknown prefix {prefix + ':'!r} in a SERVICE clause")
            local = re.sub(r"\\(.)", r"\1", term.get("localname") or "")
            return self.prefixes[prefix] + local
        return None


# -- IRIs -------------------------------------------------------------------------------------
def _split(iri: str):
    match = _URI.fullmatch(iri)
    if not match:
        return None
    scheme, authority, path, query, fragment = match.groups()
    return scheme.lower(), authority, path, query, fragment


def _remove_dot_segments(path: str) -> str:
    output: list[str] = []
    while path:
        if path.startswith("../"):
            path = path[3:]
        elif path.startswith("./"):
            path = path[2:]
        elif path.startswith("/./") or path == "/.":
            path = "/" + path[3:]
        elif path.startswith("/../") or path == "/..":
            path = "/" + path[4:]
            if output:
                output.pop()
        elif path in (".", ".."):
            path = ""
        else:
            start = 1 if path.startswith("/") else 0
            end = path.find("/", start)
            end = len(path) if end < 0 else end
            output.append(path[:end])
            path = path[end:]
    return "".join(output)


def resolve(base: str, reference: str) -> str:
    """``reference`` resolved against ``base`` (RFC 3986 section 5.2.2, strict)."""
    ref = _URI.fullmatch(reference) if ":" in reference.split("/")[0] else None
    if ref:
        scheme, authority, path, query, fragment = ref.groups()
        return _join(scheme, authority, _remove_dot_segments(path), query, fragment)
    parts = re.fullmatch(r"(?://([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?", reference, re.S)
    base_parts = _URI.fullmatch(base)
    if parts is None or base_parts is None:
        return reference
    authority, path, query, fragment = parts.groups()
    b_scheme, b_authority, b_path, b_query, _ = base_parts.groups()
    if authority is not None:
        path = _remove_dot_segments(path)
    else:
        authority = b_authority
        if path == "":
            path, query = b_path, query if query is not None else b_query
        else:
            if not path.startswith("/"):
                if b_authority is not None and b_path == "":
                    path = "/" + path
                else:
                    path = b_path[: b_path.rfind("/") + 1] + path
            path = _remove_dot_segments(path)
    return _join(b_scheme, authority, path, query, fragment)


def _join(scheme, authority, path, query, fragment) -> str:
    text = f"{scheme}:"
    if authority is not None:
        text += f"//{authority}"
    text += path
    if query is not None:
        text += f"?{query}"
    if fragment is not None:
        text += f"#{fragment}"
    return text


def _normalise_pct(text: str) -> str:
    def fix(match: re.Match) -> str:
        char = chr(int(match.group(1), 16))
        return char if char in _UNRESERVED else "%" + match.group(1).upper()

    return _PCT.sub(fix, text)


def normalise(iri: str) -> str | None:
    """The RFC 3986 normal form of an http(s) IRI, or None if it is anything else.

    None also for IRIs with user information, an invalid port or host, spaces, control
    characters or backslashes: those are never equal to an allow-listed endpoint.
    """
    if _UNSAFE.search(iri):
        return None
    parts = _split(iri)
    if parts is None:
        return None
    scheme, authority, path, query, fragment = parts
    if scheme not in ALLOWED_SCHEMES or authority is None or "@" in authority:
        return None
    host, port = _host_port(authority)
    if host is None or not host or not _HOST.fullmatch(host):
        return None
    if port is None or (port and not port.isdigit()):
        return None
    port = port.lstrip("0") or ("0" if port else "")
    if port == _DEFAULT_PORTS[scheme]:
        port = ""
    path = _remove_dot_segments(_normalise_pct(path)) or "/"
    netloc = host + (f":{port}" if port else "")
    return _join(
        scheme,
        netloc,
        path,
        None if query is None else _normalise_pct(query),
        None if fragment is None else _normalise_pct(fragment),
    )


def _host_port(authority: str) -> tuple[str | None, str | None]:
    authority = _normalise_pct(authority).lower()
    if authority.startswith("["):
        end = authority.find("]")
        if end < 0:
            return None, None
        host, rest = authority[: end + 1], authority[end + 1 :]
        if rest and not rest.startswith(":"):
            return None, None
        return host, rest[1:] if rest else ""
    host, _, port = authority.partition(":")
    return host, port


def _address(host: str):
    """The IP address a host names literally (any form a resolver accepts), or None."""
    bare = host[1:-1] if host.startswith("[") else host
    try:
        address = ipaddress.ip_address(bare.split("%")[0])
    except ValueError:
        try:  # 2130706433, 0x7f.1, 0177.0.0.1: inet_aton reads the forms HTTP clients accept
            address = ipaddress.ip_address(socket.inet_aton(bare))
        except (OSError, ValueError):
            return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def _local_reason(host: str) -> str | None:
    """Why a host must not be reached from here, or None if it is a public name or address."""
    if host == "localhost" or host.endswith(".localhost") or host.rstrip(".") == "localhost":
        return "a loopback address"
    address = _address(host)
    if address is None:
        return None
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address (cloud metadata services live there)"
    if not address.is_global:
        return "a private or reserved address"
    return None


def _refusal(iri: str | None) -> str:
    """Why ``iri`` is not an endpoint this server calls."""
    if iri is None:
        return "a variable endpoint cannot be checked"
    parts = _split(iri) if not _UNSAFE.search(iri) else None
    if parts is None:
        if _split(iri.strip()) is None:
            return "it is not an absolute IRI"
        return "it is not a well-formed IRI"
    scheme, authority, *_ = parts
    if scheme == "file":
        return "file: IRIs are never read"
    if scheme not in ALLOWED_SCHEMES:
        return f"{scheme}: IRIs are never fetched (http and https only)"
    if authority is None:
        return "it names no host"
    if "@" in authority:
        return "IRIs with user information are refused"
    host, _ = _host_port(authority)
    reason = _local_reason(host or "")
    if reason:
        return f"{host} is {reason}"
    return "it is not on the allow-list"


@lru_cache(maxsize=64)
def allow_list(entries: tuple[str, ...]) -> frozenset[str]:
    """The normalised allow-list; a ValueError names an entry that cannot be an endpoint."""
    normalised = set()
    for entry in entries:
        form = normalise(entry)
        if form is None:
            raise ValueError(
                f"service_allow entry {entry!r} is not an http(s) endpoint IRI without user "
                "information"
            )
        normalised.add(form)
    return frozenset(normalised)


def is_allowed(iri: str | None, allowed: tuple[str, ...]) -> bool:
    return iri is not None and normalise(iri) in allow_list(tuple(allowed))


def _check_service(iri: str | None, allowed: tuple[str, ...]) -> None:
    if is_allowed(iri, allowed):
        return
    shown = ", ".join(allowed) or "none"
    named = "SERVICE ?variable" if iri is None else f"SERVICE <{iri}>"
    raise APIError(
        403, f"{named} is not allowed on this server: {_refusal(iri)} (allowed: {shown})"
    )


# -- the checks -------------------------------------------------------------------------------
def check_query(query: str, allowed: tuple[str, ...]) -> None:
    """Refuse a query whose SERVICE calls leave the allow-list (403), naming the endpoint."""
    if not _may_reach_out(query):
        return
    parsed = _parse(query, parseQuery, "query")
    scope = _Scope()
    scope.declare(parsed[0])
    for node in _walk(parsed[1:]):
        if node.name == "ServiceGraphPattern":
            _check_service(scope.target(node.get("term")), allowed)


def check_update(update: str, allowed: tuple[str, ...]) -> None:
    """Refuse LOAD (403) and SERVICE calls outside the allow-list inside an update."""
    if not _may_reach_out(update):
        return
    parsed = _parse(update, parseUpdate, "update")
    prologues = list(parsed.get("prologue") or [])
    scope = _Scope()
    for index, operation in enumerate(parsed.get("request") or []):
        if index < len(prologues):
            scope.declare(prologues[index])
        for node in _walk(operation):
            if node.name == "Load":
                iri = scope.target(node.get("iri"))
                raise APIError(
                    403,
                    f"LOAD <{iri}> is not allowed on this server: LOAD would fetch from outside "
                    "the dataset (upload the data with an INSERT DATA instead)",
                )
            if node.name == "ServiceGraphPattern":
                _check_service(scope.target(node.get("term")), allowed)


# -- where a named endpoint is really sent ------------------------------------------------------
# Strings, comments and other IRI references (left alone), and the IRI a SERVICE keyword names
# (the one redirected: groups 1 and 2).
_IRI_TOKENS = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
    r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|#[^\n\r]*'
    r'|(?<![\w?$:.\-])(SERVICE(?:\s+SILENT)?\s*)<([^<>"{}|^`\\\x00-\x20]*)>'
    r'|<[^<>"{}|^`\\\x00-\x20]*>',
    re.DOTALL | re.IGNORECASE,
)


@lru_cache(maxsize=16)
def _redirect_table(redirects: tuple[tuple[str, str], ...]) -> dict[str, str]:
    """Normalised endpoint -> target, for the redirects that change anything."""
    table = {}
    for name, target in redirects:
        key = normalise(name)
        if key and key != normalise(target):
            table[key] = target
    return table


@lru_cache(maxsize=16)
def _host_of(normalised_iri: str) -> str:
    parts = _split(normalised_iri)
    return (parts[1] or "").rsplit("@", 1)[-1].split(":")[0] if parts else normalised_iri


def redirect_services(text: str, redirects: dict[str, str]) -> str:
    """``text`` with each IRI reference to a redirected endpoint replaced by its target.

    This is how ``wikidata_endpoint`` works: a query names Wikidata's query service as users
    write it (``SERVICE <https://query.wikidata.org/sparql>``) and the server sends it to a
    mirror, or to a stand-in in the tests. Only the IRI right after a SERVICE keyword is
    redirected, and only when written out in full (not a prefixed name): the same IRI as data,
    in strings or in comments is left as it is. Call it after the allow-list check, which judges
    the endpoint the query names.
    """
    wanted = _redirect_table(tuple(sorted(redirects.items())))
    if not wanted or "<" not in text:
        return text
    lowered = text.lower()
    if not any(_host_of(key) in lowered for key in wanted):
        return text  # no named endpoint's host in the text: nothing to replace

    def replace(match: re.Match) -> str:
        keyword, iri = match.group(1, 2)
        if iri is None:
            return match.group(0)
        target = wanted.get(normalise(iri) or "")
        return f"{keyword}<{target}>" if target else match.group(0)

    return _IRI_TOKENS.sub(replace, text)


# -- response headers -------------------------------------------------------------------------
CORS_PATHS = ("/sparql", "/.well-known/void")
CORS_METHODS = "GET, POST, OPTIONS"
CORS_HEADERS = "Content-Type, Accept"
UPDATE_TYPE = "application/sparql-update"
FORM_TYPE = "application/x-www-form-urlencoded"
API_CSP = "default-src 'none'; frame-ancestors 'none'"
_SECURITY_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
)


def is_write(request) -> bool:
    """Whether the request is (or may be) a SPARQL update: those get no CORS headers."""
    if request.method != "POST":
        return False
    if request.mimetype == UPDATE_TYPE:
        return True
    if request.mimetype == FORM_TYPE:
        try:
            return "update" in request.form
        except Exception:  # noqa: BLE001 - an unreadable body (e.g. too large): no CORS
            return True
    return False


def apply_headers(request, response):
    """Security headers on every response; CORS on the read-only query routes.

    Headers a route (or the pages' CSP) already set are left as they are. Queries may be sent
    from any origin, without credentials; updates get no CORS headers at all, and the preflight
    allows neither credentials nor an Authorization header, so a browser never sends a write
    token cross-origin.
    """
    headers = response.headers
    present = {key.lower() for key, _ in headers.items()}
    missing = [(k, v) for k, v in _SECURITY_HEADERS if k.lower() not in present]
    if response.mimetype != "text/html" and "content-security-policy" not in present:
        missing.append(("Content-Security-Policy", API_CSP))
    headers.extend(missing)
    if "access-control-allow-credentials" in present:
        headers.pop("Access-Control-Allow-Credentials", None)
    if request.path not in CORS_PATHS:
        return response
    if is_write(request):
        headers.pop("Access-Control-Allow-Origin", None)
        return response
    headers["Access-Control-Allow-Origin"] = "*"
    if request.method == "OPTIONS":
        headers["Access-Control-Allow-Methods"] = CORS_METHODS
        headers["Access-Control-Allow-Headers"] = CORS_HEADERS
        headers["Access-Control-Max-Age"] = "600"
    return response
