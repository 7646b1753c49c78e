"""Personal tokens, respondent keys and device classes (pure helpers)."""

from __future__ import annotations

import base64
import hashlib

import pytest

from peiling.fieldwork.device import device_class
from peiling.fieldwork.tokens import (
    new_link_key,
    new_respondent_key,
    new_token,
    token_hash,
    well_formed,
)


def test_tokens_are_192_random_bits_url_safe_and_distinct():
    tokens = {new_token() for _ in range(2000)}
    assert len(tokens) == 2000
    for token in list(tokens)[:50]:
        assert well_formed(token)
        assert len(base64.urlsafe_b64decode(token)) == 24  # 192 bits >= 128
    assert token_hash("abc") == hashlib.sha256(b"abc").hexdigest()


def test_malformed_tokens_are_recognised():
    for text in ("", "kort", "x" * 31, "x" * 33, "a/b" + "x" * 29, "é" * 32):
        assert not well_formed(text)
    assert token_hash("é" * 32)  # never raises, whatever arrives in a URL


def test_respondent_and_link_keys():
    assert len({new_respondent_key() for _ in range(1000)}) == 1000
    assert len(new_respondent_key()) == 32 and len(new_link_key()) == 12


@pytest.mark.parametrize(("agent", "expected"), [
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148 Safari/604.1",
     "mobile"),
    ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/120 Mobile Safari",
     "mobile"),
    ("Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15", "tablet"),
    ("Mozilla/5.0 (Linux; Android 13; SM-X200) AppleWebKit/537.36 Chrome/120 Safari",
     "tablet"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120", "desktop"),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15", "desktop"),
    ("", "unknown"),
    ("curl/8.5", "unknown"),
])
def test_device_class(agent, expected):
    assert device_class(agent) == expected


def test_derived_tokens_are_well_formed_stable_and_keyed() -> None:
    from peiling.fieldwork.tokens import derived_token, new_nonce

    nonce = new_nonce()
    token = derived_token("key-one", nonce)
    assert well_formed(token) and token == derived_token("key-one", nonce)
    assert token != derived_token("key-two", nonce)
    assert token != derived_token("key-one", new_nonce())
