"""Remove every secret from a device configuration before anything is stored.

Redaction follows each platform's structure, not the shape of a line: RouterOS is read as
`key=value` fields (continuation lines joined first, one-line commands and `[ find ]` forms
alike), Cisco IOS as the tokens of each command (the secret is the argument a command's
grammar says it is: `snmp-server host H version 2c COMMUNITY`, `password 7 X`,
`snmp-server user U G v3 auth sha X priv aes 128 Y`), pfSense as parsed XML elements. A value
is replaced by `<redacted>`; the structure stays, so the evidence still reads line by line.
SNMP community names are secrets too, except the factory ones (to say that one is used).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from xml.etree.ElementTree import Element, tostring

from defusedxml.ElementTree import fromstring

from auditor.collect.netdev.common import DEFAULT_COMMUNITIES
from auditor.collect.netdev.fortios import redact_fortios

MASK = "<redacted>"

# ------------------------------------------------------------------ RouterOS
_ROS_SECRET_KEYS = {
    "password",
    "secret",
    "secrets",
    "wpa-pre-shared-key",
    "wpa2-pre-shared-key",
    "wpa3-pre-shared-key",
    "pre-shared-key",
    "preshared-key",
    "passphrase",
    "authentication-password",
    "encryption-password",
    "private-key",
    "trap-community",
    "key",
    "psk",
    "radius-secret",
    "ipsec-secret",
}
_ROS_FIELD = re.compile(r'(?<![\w.-])([\w.-]+)=("(?:[^"\\]|\\.)*"|\S+)')
_ROS_VERBS = ("add", "set", "remove", "disable", "enable")


def _routeros(text: str) -> str:
    """Every field whose name is a secret (`password=`, `security.passphrase=`,
    `trap-community=`, `secrets=` …) and every non-default community name, found on the
    logical lines (continuations joined) and masked in the text as it was laid out."""
    kept = [
        m
        for m in re.finditer(r"\\\r?\n[ \t]*|.|\n", text, re.S)
        if m.group().count("\n") == 0 or m.group() == "\n"
    ]
    joined = "".join(m.group() for m in kept)
    where = [m.start() for m in kept]  # joined position → position in the text
    spans: list[tuple[int, int]] = []
    path, offset = "", 0
    for line in joined.split("\n"):
        stripped = line.strip()
        if stripped.startswith("/"):
            words = stripped.split()
            verb = next((i for i, w in enumerate(words) if w in _ROS_VERBS), len(words))
            path = " ".join(words[:verb])
        if not stripped.startswith("#"):
            for match in _ROS_FIELD.finditer(line):
                if _ros_secret(path, match.group(1), match.group(2)):
                    spans.append((offset + match.start(2), offset + match.end(2)))
        offset += len(line) + 1
    out, last = [], 0
    for start, end in spans:
        out += [text[last : where[start]], MASK]
        last = where[end - 1] + 1
    return "".join([*out, text[last:]])


def _ros_secret(path: str, key: str, value: str) -> bool:
    name = key.rsplit(".", 1)[-1]
    if path == "/snmp community" and name == "name":
        return value.strip('"') not in DEFAULT_COMMUNITIES
    return name in _ROS_SECRET_KEYS or name.endswith(("-password", "-secret", "-key"))


# ------------------------------------------------------------------ Cisco IOS
_TOKEN = re.compile(r"\S+")
_NOT_A_KEY = {"chain", "generate", "zeroize", "config-key", "pubkey-chain", "storage"}
_NOT_A_KEY |= {"import", "export", "encryption", "string"}


def _type_digit(tokens: list[str], i: int) -> int:
    """Skip the encryption type (`7` in `password 7 0822…`) when a value follows it."""
    if i < len(tokens) - 1 and re.fullmatch(r"\d{1,2}", tokens[i]):
        return i + 1
    return i


_SECRET_WORDS = ("secret", "password", "key-string", "pre-shared-key")


def _names_a_secret(words: list[str], i: int, first: str) -> bool:
    """Whether the argument after word `i` is a secret (possibly after its type digit)."""
    word, after = words[i], words[i + 1]
    if word in _SECRET_WORDS:
        return not (word == "password" and after == "encryption")
    if word == "key":  # not `key 1` alone, a key chain's entry
        return after not in _NOT_A_KEY and not (i == 0 and len(words) == 2 and after.isdigit())
    if word == "md5":
        return first in ("ntp", "ip", "standby", "key")
    return word in ("ascii", "hex") and i > 0 and words[i - 1] == "wpa-psk"


def _ios_secrets(tokens: list[str]) -> set[int]:
    """The positions of the secret arguments in one command's tokens."""
    found: set[int] = set()
    words = [t.lower() for t in tokens]
    first = words[0] if words else ""
    for i in range(len(words) - 1):
        if _names_a_secret(words, i, first):
            found.add(_type_digit(tokens, i + 1))
        elif words[i] == "authentication" and first == "standby" and words[i + 1] != "md5":
            found.add(i + 1)
    if first == "encryption" and words[1:2] == ["key"] and "size" in words:
        # encryption key 1 size 128bit [0|7] KEY transmit-key: the key follows the size
        found = {_type_digit(tokens, words.index("size") + 2)}
    if first == "snmp-server" and len(words) > 2:
        found |= _snmp_secrets(words)
    return found


def _snmp_secrets(words: list[str]) -> set[int]:
    if words[1] == "community":
        return {2}
    if words[1] == "host":  # host H [informs|traps] [version 1|2c|3 [auth|noauth|priv]] C
        i = 3
        if i < len(words) and words[i] in ("informs", "traps"):
            i += 1
        if i < len(words) and words[i] == "version":
            i += 2
            if i < len(words) and words[i] in ("auth", "noauth", "priv"):
                i += 1
        return {i} if i < len(words) else set()
    if words[1] == "user":  # user U G [remote …] v3 auth sha X priv aes 128 Y
        found = set()
        for i, word in enumerate(words):
            if word == "auth" and i + 2 < len(words):
                found.add(i + 2)
            if word == "priv" and i + 1 < len(words):
                step = 3 if i + 3 < len(words) and words[i + 2].isdigit() else 2
                found.add(i + step)
        return found
    return set()


def _cisco(text: str) -> str:
    out = []
    for line in text.splitlines():
        spans = [(m.start(), m.end()) for m in _TOKEN.finditer(line)]
        secret = _ios_secrets([line[a:b] for a, b in spans])
        for index in sorted(secret, reverse=True):
            if index < len(spans):
                a, b = spans[index]
                line = line[:a] + MASK + line[b:]
        out.append(line)
    return "\n".join(out) + ("\n" if text.endswith("\n") else "")


# ------------------------------------------------------------------ pfSense
_XML_SECRETS = {
    "bcrypt-hash",
    "sha512-hash",
    "md5-hash",
    "password",
    "pre-shared-key",
    "psk",
    "passphrase",
    "secret",
    "rwcommunity",
    "authorizedkeys",
    "ldap_bindpw",
    "radius_secret",
    "radius_secret2",
    "crypto_password",
    "prv",
    "ipsecpsk",
    "shared_key",
    "tls",
    "auth_pass",
    "wpa_passphrase",
    "passwordenc",
    "sharedkey",
}


def _pfsense(text: str) -> str:
    """The parsed document with every secret element emptied to the mask."""
    root: Element = fromstring(text.encode())
    for element in root.iter():
        tag = str(element.tag)
        if (tag in _XML_SECRETS and (element.text or "").strip()) or (
            tag == "rocommunity" and (element.text or "") not in DEFAULT_COMMUNITIES
        ):
            element.text = MASK
    return '<?xml version="1.0"?>\n' + tostring(root, encoding="unicode") + "\n"


REDACTORS: dict[str, Callable[[str], str]] = {
    "fortios": redact_fortios,
    "mikrotik": _routeros,
    "cisco-ios": _cisco,
    "pfsense": _pfsense,
}


def redact(text: str, platform: str | None = None) -> str:
    """The configuration with every secret value replaced, read as `platform` (detected
    when not given). Text of no known platform is not kept by the caller at all."""
    from auditor.collect.netdev.drivers import detect

    found = platform or detect(text)
    if found is None or found not in REDACTORS:
        raise ValueError(f"no redaction for platform {found!r}")
    return REDACTORS[found](text)
