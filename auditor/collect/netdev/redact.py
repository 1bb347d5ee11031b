"""Remove every secret from a device configuration before anything is stored.

Password hashes, enable secrets, SNMP communities (except to say a default one is used),
Wi-Fi PSKs, IPsec/RADIUS/TACACS keys and private keys are replaced by `<redacted>`; the
structure stays, so the evidence can still be read line by line.
"""

from __future__ import annotations

import re

from auditor.collect.netdev.common import DEFAULT_COMMUNITIES

MASK = "<redacted>"
_LINE_RULES = [
    # Cisco: enable secret 9 $9$…, username x secret 5 …, password 7 …, key 7 …
    (re.compile(r"^(\s*(?:enable\s+)?(?:secret|password)\s+(?:\d\s+)?)\S+", re.M), rf"\g<1>{MASK}"),
    (re.compile(r"(\b(?:secret|password)\s+(?:\d\s+)?)\S+"), rf"\g<1>{MASK}"),
    (re.compile(r"^(snmp-server community\s+)(\S+)", re.M), rf"\g<1>{MASK}"),
    (
        re.compile(r"(\b(?:key|pre-shared-key|wpa-psk ascii|wpa-psk hex)\s+(?:\d\s+)?)\S+"),
        rf"\g<1>{MASK}",
    ),
    (re.compile(r"^(crypto isakmp key\s+)\S+", re.M), rf"\g<1>{MASK}"),
    # RouterOS: key=value pairs that hold secrets
    (
        re.compile(
            r"(\b(?:wpa2?-pre-shared-key|wpa3-pre-shared-key|secret|password|passphrase|"
            r"authentication-password|encryption-password|private-key|preshared-key|key)=)"
            r"(\"[^\"]*\"|\S+)"
        ),
        rf"\g<1>{MASK}",
    ),
]
_XML_SECRETS = (
    "bcrypt-hash|sha512-hash|md5-hash|password|pre-shared-key|psk|passphrase|secret|"
    "rwcommunity|authorizedkeys|ldap_bindpw|radius_secret|crypto_password|prv|ipsecpsk|"
    "shared_key|tls|auth_pass|wpa_passphrase"
)
_XML_RULE = re.compile(rf"<({_XML_SECRETS})>(?!</)([^<]*)</\1>")


def redact(text: str) -> str:
    """The configuration with every secret value replaced; structure kept for reading."""
    if text.lstrip().startswith("<?xml") or "<pfsense>" in text[:2000]:
        return _redact_xml(text)
    for pattern, replacement in _LINE_RULES:
        text = pattern.sub(replacement, text)
    # RouterOS SNMP community names are secrets too, except to say that a default is used
    return re.sub(
        r"(/snmp community\n(?:.*\n)*?.*\bname=)(\S+)",
        lambda m: m.group(1) + (m.group(2) if m.group(2) in DEFAULT_COMMUNITIES else MASK),
        text,
    )


def _redact_xml(text: str) -> str:
    text = _XML_RULE.sub(
        lambda m: f"<{m.group(1)}>{MASK.replace('<', '&lt;').replace('>', '&gt;')}</{m.group(1)}>",
        text,
    )
    return re.sub(
        r"<rocommunity>([^<]*)</rocommunity>",
        lambda m: (
            m.group(0)
            if m.group(1) in DEFAULT_COMMUNITIES
            else "<rocommunity>&lt;redacted&gt;</rocommunity>"
        ),
        text,
    )
