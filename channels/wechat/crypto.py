"""WeChat message signatures and the AES "safe mode" envelope.

WeChat signs every callback with SHA-1 over the sorted strings ``[token, timestamp, nonce]`` (plus
the ``Encrypt`` text in safe mode), and in safe mode encrypts the message XML:

* key = base64-decode(EncodingAESKey + "="), 32 bytes; IV = the key's first 16 bytes;
* plaintext = 16 random bytes + XML length (4 bytes, big-endian) + XML + AppID;
* PKCS#7 padding to a 32-byte block (not AES's 16), AES-256-CBC, then base64.

Each failure has its own exception so the route can answer precisely: a bad signature is the
caller's forgery (403), a message for another AppID is not ours (403), a broken ciphertext is a
malformed request (400).

Example::

    crypto = MessageCrypto(token="t0ken", aes_key="…43 chars…", appid="wx123")
    xml = crypto.decrypt_message(encrypt, msg_signature, timestamp, nonce)
    envelope = crypto.encrypt_reply("<xml>…</xml>", timestamp, nonce)
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from channels.wechat.config import WeChatConfigError, check_aes_key
from daofu.errors import DaofuError

BLOCK_SIZE = 32
RANDOM_PREFIX = 16


class WeChatCryptoError(DaofuError):
    """A WeChat message could not be authenticated or decrypted."""


class InvalidSignature(WeChatCryptoError):
    """The signature does not match: the request did not come from WeChat (or the token differs)."""


class DecryptError(WeChatCryptoError):
    """The ciphertext is not a well-formed WeChat envelope."""


class InvalidPadding(DecryptError):
    """The decrypted bytes do not end in valid PKCS#7 padding (wrong key or corrupted data)."""


class InvalidAppId(WeChatCryptoError):
    """The message was encrypted for another official account."""


def sign(*parts: str) -> str:
    """WeChat's signature: SHA-1 hex digest of the parts sorted and joined."""
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def verify_signature(token: str, signature: str, timestamp: str, nonce: str, encrypt: str | None = None) -> None:
    """Raise :class:`InvalidSignature` unless ``signature`` signs the given values with ``token``."""
    if not signature or not signature.isascii() or len(signature) > 64:
        raise InvalidSignature("the request's signature is not a SHA-1 hex digest")
    if not all(part.isascii() for part in (timestamp, nonce)) or len(timestamp) + len(nonce) > 128:
        raise InvalidSignature("the request's timestamp and nonce must be short ASCII strings")
    parts = [token, timestamp, nonce] if encrypt is None else [token, timestamp, nonce, encrypt]
    expected = sign(*parts)
    # Constant-time comparison: the signature is a shared-secret MAC.
    if not hmac.compare_digest(expected.encode("ascii"), signature.lower().encode("ascii")):
        raise InvalidSignature("the request's signature does not match the configured token")


def pkcs7_pad(data: bytes, block_size: int = BLOCK_SIZE) -> bytes:
    count = block_size - len(data) % block_size
    return data + bytes([count]) * count


def pkcs7_unpad(data: bytes, block_size: int = BLOCK_SIZE) -> bytes:
    if not data:
        raise InvalidPadding("nothing to unpad")
    count = data[-1]
    if not 1 <= count <= block_size or count > len(data) or data[-count:] != bytes([count]) * count:
        raise InvalidPadding("the decrypted message has invalid padding (wrong EncodingAESKey?)")
    return data[:-count]


@dataclass(frozen=True)
class EncryptedReply:
    """The four fields of an encrypted passive reply."""

    encrypt: str
    signature: str
    timestamp: str
    nonce: str


class MessageCrypto:
    """Encrypt and decrypt messages of one official account (token, EncodingAESKey, AppID)."""

    def __init__(self, token: str, aes_key: str, appid: str, random_bytes: Callable[[int], bytes] = os.urandom) -> None:
        try:
            self._key = check_aes_key(aes_key)
        except WeChatConfigError as exc:
            raise WeChatCryptoError(str(exc)) from None
        self._iv = self._key[:16]
        self.token = token
        self.appid = appid
        self._random_bytes = random_bytes

    def _cipher(self) -> Cipher:
        return Cipher(algorithms.AES(self._key), modes.CBC(self._iv))

    def encrypt(self, plaintext: str) -> str:
        """Encrypt a message XML into the base64 ``Encrypt`` text."""
        body = plaintext.encode("utf-8")
        raw = self._random_bytes(RANDOM_PREFIX) + len(body).to_bytes(4, "big") + body + self.appid.encode("utf-8")
        encryptor = self._cipher().encryptor()
        ciphertext = encryptor.update(pkcs7_pad(raw)) + encryptor.finalize()
        return base64.b64encode(ciphertext).decode("ascii")

    def decrypt(self, encrypted: str) -> str:
        """Decrypt an ``Encrypt`` text into the message XML; check that it was meant for our AppID."""
        try:
            ciphertext = base64.b64decode(encrypted, validate=True)
        except (binascii.Error, ValueError):
            raise DecryptError("the Encrypt field is not base64") from None
        if not ciphertext or len(ciphertext) % 16:
            raise DecryptError("the Encrypt field is not a whole number of AES blocks")
        decryptor = self._cipher().decryptor()
        raw = pkcs7_unpad(decryptor.update(ciphertext) + decryptor.finalize())
        if len(raw) < RANDOM_PREFIX + 4:
            raise DecryptError("the decrypted message is too short")
        length = int.from_bytes(raw[RANDOM_PREFIX : RANDOM_PREFIX + 4], "big")
        start = RANDOM_PREFIX + 4
        if start + length > len(raw):
            raise DecryptError("the decrypted message is shorter than its length field says")
        body, appid = raw[start : start + length], raw[start + length :]
        if not hmac.compare_digest(appid, self.appid.encode("utf-8")):
            raise InvalidAppId("the message was encrypted for another AppID")
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError:
            raise DecryptError("the decrypted message is not UTF-8") from None

    def decrypt_message(self, encrypt: str, msg_signature: str, timestamp: str, nonce: str) -> str:
        """Check ``msg_signature`` over the ciphertext, then decrypt it."""
        verify_signature(self.token, msg_signature, timestamp, nonce, encrypt)
        return self.decrypt(encrypt)

    def encrypt_reply(self, xml: str, timestamp: str, nonce: str) -> EncryptedReply:
        """Encrypt and sign a passive reply."""
        encrypt = self.encrypt(xml)
        return EncryptedReply(encrypt, sign(self.token, timestamp, nonce, encrypt), timestamp, nonce)
