"""The URL policy: only public http(s) targets unless allowed, pinned to the checked address."""

from __future__ import annotations

import pytest

from consumers.webhooks.url_policy import HostResolutionError, UrlRefusedError, check_url


def resolver(table: dict[str, list[str]]):
    def resolve(host: str, port: int) -> list[str]:
        if host not in table:
            raise HostResolutionError(f"{host} unknown")
        return table[host]
    return resolve


PUBLIC = resolver({"hooks.example.com": ["93.184.216.34", "2606:2800:220:1::1"]})


def test_a_public_host_is_pinned_to_its_first_address():
    pinned = check_url("https://hooks.example.com/mca?x=1", resolve=PUBLIC)
    assert (pinned.scheme, pinned.host, pinned.port, pinned.address) == ("https", "hooks.example.com", 443,
                                                                         "93.184.216.34")
    assert check_url("http://hooks.example.com:8080/", resolve=PUBLIC).port == 8080


@pytest.mark.parametrize("address", [
    "127.0.0.1", "127.8.9.10", "::1",                # loopback
    "10.1.2.3", "172.16.0.1", "192.168.1.1", "fd00::1",  # private
    "169.254.169.254", "fe80::1",                    # link-local (cloud metadata)
    "224.0.0.1", "ff02::1",                          # multicast
    "240.0.0.1", "0.0.0.0", "::",                    # reserved, unspecified
    "100.64.0.1",                                    # shared address space (carrier NAT)
    "::ffff:127.0.0.1", "::ffff:10.0.0.1",           # IPv4-mapped IPv6
    "2002:c0a8:0101::1", "64:ff9b::a00:1",           # 6to4 and NAT64 wrapping private IPv4
])
def test_forbidden_addresses_are_refused_by_name_and_as_literals(address):
    with pytest.raises(UrlRefusedError):
        check_url("https://evil.example/", resolve=resolver({"evil.example": [address]}))
    literal = f"[{address}]" if ":" in address else address
    with pytest.raises(UrlRefusedError):
        check_url(f"http://{literal}/hook", resolve=PUBLIC)


def test_one_forbidden_address_among_public_ones_refuses_the_name():
    mixed = resolver({"mixed.example": ["93.184.216.34", "10.0.0.5"]})
    with pytest.raises(UrlRefusedError, match="10.0.0.5"):
        check_url("https://mixed.example/", resolve=mixed)


def test_private_targets_pass_when_explicitly_allowed():
    local = resolver({"localhost": ["127.0.0.1"]})
    assert check_url("http://localhost:8080/h", resolve=local, allow_private=True).address == "127.0.0.1"


@pytest.mark.parametrize("url", ["ftp://hooks.example.com/", "file:///etc/passwd", "hooks.example.com/x",
                                 "http:///nohost", "http://hooks.example.com:99999/", "javascript:alert(1)"])
def test_malformed_urls_and_other_schemes_are_refused(url):
    with pytest.raises(UrlRefusedError):
        check_url(url, resolve=PUBLIC, allow_private=True)


def test_a_host_that_does_not_resolve_is_refused_as_a_resolution_error():
    with pytest.raises(HostResolutionError):
        check_url("https://nowhere.example/", resolve=PUBLIC)
    with pytest.raises(HostResolutionError):
        check_url("https://empty.example/", resolve=resolver({"empty.example": []}))


def test_each_check_resolves_again_so_a_rebound_name_is_caught():
    answers = iter([["93.184.216.34"], ["127.0.0.1"]])

    def rebinding(host: str, port: int) -> list[str]:
        return next(answers)

    assert check_url("https://rebind.example/", resolve=rebinding).address == "93.184.216.34"
    with pytest.raises(UrlRefusedError):
        check_url("https://rebind.example/", resolve=rebinding)
