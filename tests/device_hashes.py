"""Real device password hashes for test inputs, made by the vendors' published algorithms and
proved against hashcat's own example hashes (password "hashcat") in test_netdev: the product
never computes these, it hands them to hashcat."""

from __future__ import annotations

import base64
import hashlib

_STD = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_CISCO = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
# the fixed string FortiOS appends to every administrator password before hashing
_FORTIOS_MAGIC = bytes.fromhex("a388ba2e424cb04a537930c13107cc3fa1329029a9815b70")


def _cisco64(raw: bytes) -> str:
    return base64.b64encode(raw).decode().rstrip("=").translate(str.maketrans(_STD, _CISCO))


def cisco_type8(password: str, salt: str = "84486783037343") -> str:
    key = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), 20000, 32)
    return f"$8${salt}${_cisco64(key)}"


def cisco_type9(password: str, salt: str = "87023684531115") -> str:
    key = hashlib.scrypt(password.encode(), salt=salt.encode(), n=16384, r=1, p=1, dklen=32)
    return f"$9${salt}${_cisco64(key)}"


def fortios_sh2(password: str, salt: bytes = bytes(range(12))) -> str:
    digest = hashlib.sha256(salt + password.encode() + _FORTIOS_MAGIC).digest()
    return "SH2" + base64.b64encode(salt + digest).decode()


def fortios_ak1(password: str, salt: bytes = bytes(range(12))) -> str:
    digest = hashlib.sha1(salt + password.encode() + _FORTIOS_MAGIC).digest()
    return "AK1" + base64.b64encode(salt + digest).decode()
