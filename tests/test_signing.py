from urllib.parse import urlsplit

import pytest

from ogimage.errors import SignatureError
from ogimage.signing import QueryDecodeError, canonical_query, parse_query, sign_url, signature, verify

KEY = "s3cret"


def pairs_of(url: str) -> tuple[str, list[tuple[str, str]]]:
    parts = urlsplit(url)
    return parts.path, parse_query(parts.query)


def test_parse_query_decodes_plus_and_percent_and_keeps_blanks():
    assert parse_query(b"title=a+b%20c&x=&&tags=%E6%97%A5") == [("title", "a b c"), ("x", ""), ("tags", "日")]


def test_parse_query_rejects_invalid_utf8_naming_the_parameter():
    with pytest.raises(QueryDecodeError) as info:
        parse_query(b"title=%FF%FE")
    assert info.value.field == "title"


def test_canonical_query_sorts_excludes_sig_and_encodes_one_way():
    assert canonical_query([("title", "a b"), ("sig", "zzz"), ("author", "x/y")]) == "author=x%2Fy&title=a%20b"
    assert canonical_query(parse_query("b=2&a=1")) == canonical_query(parse_query("a=1&b=2"))
    assert canonical_query(parse_query("t=a+b")) == canonical_query(parse_query("t=a%20b"))


def test_sign_url_then_verify():
    url = sign_url("/api/og/default?title=Hello+world&lang=en", KEY)
    path, pairs = pairs_of(url)
    assert path == "/api/og/default"
    assert url.startswith("/api/og/default?lang=en&title=Hello%20world&sig=")
    verify(path, pairs, KEY)
    sig = dict(pairs)["sig"]
    assert "=" not in sig and "+" not in sig and "/" not in sig and len(sig) == 43


def test_sign_url_keeps_scheme_and_host_and_replaces_an_old_sig():
    url = sign_url("https://og.example.com/api/og-acme?title=Hi&sig=old", KEY)
    assert url.startswith("https://og.example.com/api/og-acme?title=Hi&sig=")
    assert url.count("sig=") == 1
    path, pairs = pairs_of(url)
    verify(path, pairs, KEY)


@pytest.mark.parametrize("tamper", [
    lambda p, q: (p, [(k, v + "!" if k == "title" else v) for k, v in q]),
    lambda p, q: (p, q + [("description", "extra")]),
    lambda p, q: ("/api/og/other", q),
    lambda p, q: (p + ".webp", q),
    lambda p, q: (p, [(k, v[:-1] + ("A" if v[-1] != "A" else "B") if k == "sig" else v) for k, v in q]),
])
def test_tampered_urls_fail(tamper):
    path, pairs = pairs_of(sign_url("/api/og/default?title=Hello", KEY))
    path, pairs = tamper(path, pairs)
    with pytest.raises(SignatureError) as info:
        verify(path, pairs, KEY)
    assert info.value.status == 403 and info.value.field == "sig"


def test_missing_duplicate_and_wrong_key():
    with pytest.raises(SignatureError, match="missing"):
        verify("/api/og/default", [("title", "x")], KEY)
    path, pairs = pairs_of(sign_url("/api/og/default?title=Hello", KEY))
    with pytest.raises(SignatureError, match="more than one"):
        verify(path, pairs + [("sig", dict(pairs)["sig"])], KEY)
    with pytest.raises(SignatureError):
        verify(path, pairs, "other key")


def test_non_ascii_signature_is_rejected_not_crashing():
    with pytest.raises(SignatureError):
        verify("/api/og/default", [("title", "x"), ("sig", "日本")], KEY)


def test_signature_is_order_independent_and_needs_a_key():
    assert signature("/p", [("a", "1"), ("b", "2")], KEY) == signature("/p", [("b", "2"), ("a", "1")], KEY)
    with pytest.raises(ValueError):
        sign_url("/api/og/default?title=x", "")


def test_cli_sign_prints_a_verifiable_url(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
    from ogimage.cli import main

    monkeypatch.setenv("OGIMAGE_SIGNING_KEY", KEY)
    assert main(["sign", "/api/og/default?title=Hello+world"]) == 0
    url = capsys.readouterr().out.strip()
    path, pairs = pairs_of(url)
    verify(path, pairs, KEY)
    assert main(["sign", "--key", "other", "https://og.example.com/api/og-acme?title=x"]) == 0
    out = capsys.readouterr().out.strip()
    assert out.startswith("https://og.example.com/api/og-acme?title=x&sig=")
    verify(*pairs_of(out), "other")


def test_cli_sign_without_a_key_fails_naming_the_variable(capsys, monkeypatch):
    from ogimage.cli import main

    monkeypatch.delenv("OGIMAGE_SIGNING_KEY", raising=False)
    assert main(["sign", "/api/og/default?title=x"]) == 3
    assert "OGIMAGE_SIGNING_KEY" in capsys.readouterr().err
