"""Our WeChat crypto against wechatpy's, as the independent implementation of the same protocol."""

from __future__ import annotations

import base64
import os

import pytest
from wechatpy import parse_message as wechatpy_parse
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidSignatureException
from wechatpy.utils import check_signature

from channels.wechat.crypto import (
    DecryptError,
    InvalidAppId,
    InvalidPadding,
    InvalidSignature,
    MessageCrypto,
    WeChatCryptoError,
    pkcs7_pad,
    pkcs7_unpad,
    sign,
    verify_signature,
)
from channels.wechat.messages import TextOut, encrypted_xml, parse_fields, reply_xml

TOKEN = "daofu-test-token"
APPID = "wx0123456789abcdef"
AES_KEY = base64.b64encode(bytes(range(32))).decode().rstrip("=")
MESSAGE = (
    "<xml><ToUserName><![CDATA[gh_daofu]]></ToUserName><FromUserName><![CDATA[oUser1]]></FromUserName>"
    "<CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType>"
    "<Content><![CDATA[身份证快到期了怎么换？]]></Content><MsgId>1234567890123456</MsgId></xml>"
)


def random_aes_key() -> str:
    return base64.b64encode(os.urandom(32)).decode().rstrip("=")


@pytest.fixture
def ours() -> MessageCrypto:
    return MessageCrypto(TOKEN, AES_KEY, APPID)


@pytest.fixture
def theirs() -> WeChatCrypto:
    return WeChatCrypto(TOKEN, AES_KEY, APPID)


def test_the_aes_key_is_43_characters():
    assert len(AES_KEY) == 43


def test_wechatpy_reads_what_we_encrypt(ours, theirs):
    envelope = ours.encrypt_reply(MESSAGE, "1700000001", "nonce-1")
    xml = encrypted_xml(envelope.encrypt, envelope.signature, envelope.timestamp, envelope.nonce)
    assert theirs.decrypt_message(xml, envelope.signature, "1700000001", "nonce-1") == MESSAGE


def test_we_read_what_wechatpy_encrypts(ours, theirs):
    fields = parse_fields(theirs.encrypt_message(MESSAGE, "nonce-2", "1700000002").encode())
    assert ours.decrypt_message(fields["Encrypt"], fields["MsgSignature"], "1700000002", "nonce-2") == MESSAGE


@pytest.mark.parametrize("size", [0, 1, 11, 12, 31, 32, 33, 1000])
def test_round_trip_with_random_keys_and_every_padding_length(size):
    key = random_aes_key()
    xml = "<xml>" + "办" * size + "</xml>"
    ours, theirs = MessageCrypto(TOKEN, key, APPID), WeChatCrypto(TOKEN, key, APPID)
    fields = parse_fields(theirs.encrypt_message(xml, "n", "1").encode())
    assert ours.decrypt(fields["Encrypt"]) == xml
    envelope = ours.encrypt_reply(xml, "1", "n")
    assert (
        theirs.decrypt_message(
            encrypted_xml(envelope.encrypt, envelope.signature, "1", "n"), envelope.signature, "1", "n"
        )
        == xml
    )


def test_the_ciphertext_is_padded_to_32_byte_blocks(ours):
    # 16 random + 4 length + 0 XML + 18 AppID = 38 bytes → 64 after padding to 32.
    assert len(base64.b64decode(ours.encrypt(""))) == 64


def test_our_plain_signature_is_accepted_by_wechatpy():
    signature = sign(TOKEN, "1700000000", "nonce")
    check_signature(TOKEN, signature, "1700000000", "nonce")
    with pytest.raises(InvalidSignatureException):
        check_signature(TOKEN, sign("other-token", "1700000000", "nonce"), "1700000000", "nonce")


def test_verify_signature_rejects_forgeries():
    good = sign(TOKEN, "1", "n")
    verify_signature(TOKEN, good, "1", "n")
    verify_signature(TOKEN, good.upper(), "1", "n")
    for signature, timestamp, nonce in [("0" * 40, "1", "n"), ("", "1", "n"), (good, "2", "n"), (good, "1", "m")]:
        with pytest.raises(InvalidSignature):
            verify_signature(TOKEN, signature, timestamp, nonce)


def test_a_forged_msg_signature_is_rejected_before_decrypting(ours, theirs):
    fields = parse_fields(theirs.encrypt_message(MESSAGE, "n", "1").encode())
    with pytest.raises(InvalidSignature):
        ours.decrypt_message(fields["Encrypt"], sign("wrong-token", "1", "n", fields["Encrypt"]), "1", "n")


def test_a_message_for_another_appid_is_rejected(ours):
    other = WeChatCrypto(TOKEN, AES_KEY, "wxffffffffffffffff")
    fields = parse_fields(other.encrypt_message(MESSAGE, "n", "1").encode())
    with pytest.raises(InvalidAppId):
        ours.decrypt(fields["Encrypt"])


def test_a_message_under_another_key_fails_to_decrypt(ours):
    other = MessageCrypto(TOKEN, base64.b64encode(bytes(range(1, 33))).decode().rstrip("="), APPID)
    with pytest.raises(DecryptError):
        ours.decrypt(other.encrypt(MESSAGE))


@pytest.mark.parametrize(
    "encrypt",
    ["not base64 at all!", base64.b64encode(b"short").decode(), "", base64.b64encode(b"x" * 15).decode()],
)
def test_malformed_ciphertext_is_a_decrypt_error(ours, encrypt):
    with pytest.raises(DecryptError):
        ours.decrypt(encrypt)


def test_a_tampered_block_is_a_decrypt_error(ours):
    raw = bytearray(base64.b64decode(ours.encrypt(MESSAGE)))
    # In CBC the last byte of the second-to-last block is XORed into the last plaintext byte, the
    # padding count (1..32): flipping it gives 0xDF or more, never valid padding. (Flipping a byte
    # of the last block instead garbles that block at random and, once in 256 runs, leaves a
    # valid count behind.)
    raw[-17] ^= 0xFF
    with pytest.raises(DecryptError):
        ours.decrypt(base64.b64encode(bytes(raw)).decode())


def test_pkcs7_pads_to_32_and_back():
    for size in range(0, 70):
        padded = pkcs7_pad(b"a" * size)
        assert len(padded) % 32 == 0 and len(padded) > size
        assert pkcs7_unpad(padded) == b"a" * size
    assert pkcs7_pad(b"a" * 32)[-32:] == bytes([32]) * 32


@pytest.mark.parametrize("data", [b"", b"abc\x00", b"abc" + bytes([33]) * 33, b"ab\x01\x03\x03", b"\x05"])
def test_pkcs7_rejects_bad_padding(data):
    with pytest.raises(InvalidPadding):
        pkcs7_unpad(data)


@pytest.mark.parametrize("key", ["", "short", AES_KEY + "A", "!" * 43])
def test_a_bad_encoding_aes_key_is_refused_up_front(key):
    with pytest.raises(WeChatCryptoError):
        MessageCrypto(TOKEN, key, APPID)


def test_an_encrypted_reply_with_markup_round_trips_through_wechatpy(ours, theirs):
    content = "材料]]>清单 <身份证> & 户口簿"
    envelope = ours.encrypt_reply(reply_xml(TextOut(content), "oUser1", "gh_daofu", 1700000000), "1700000003", "n3")
    xml = encrypted_xml(envelope.encrypt, envelope.signature, envelope.timestamp, envelope.nonce)
    reply = wechatpy_parse(theirs.decrypt_message(xml, envelope.signature, envelope.timestamp, envelope.nonce))
    assert reply.content == content
