"""Webhook URLs on loopback, private or link-local addresses are refused unless allowed; DNS is bounded."""

import time

import pytest

from api.url_policy import HostResolutionError, UrlRefusedError, bounded_resolver, check_webhook_url


def resolver(mapping):
    def resolve(host, port):
        if host not in mapping:
            raise HostResolutionError(f"{host} does not resolve")
        return mapping[host]

    return resolve


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "http://localhost.test/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/",
        "http://172.16.5.4/",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://[fe80::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://0.0.0.0/",
        "http://internal.test/",
    ],
)
def test_loopback_private_and_link_local_targets_are_refused(url):
    resolve = resolver({"localhost.test": ["127.0.0.1"], "internal.test": ["93.184.216.34", "10.0.0.7"]})
    with pytest.raises(UrlRefusedError):
        check_webhook_url(url, allow_private=False, resolve=resolve)


def test_the_same_targets_pass_where_the_deployment_allows_them():
    assert check_webhook_url("http://127.0.0.1:9000/hook", allow_private=True, resolve=resolver({}))


def test_a_public_address_passes():
    resolve = resolver({"partner.test": ["93.184.216.34"]})
    assert check_webhook_url("https://partner.test/hooks", allow_private=False, resolve=resolve)


@pytest.mark.parametrize(
    "url",
    ["ftp://93.184.216.34/", "file:///etc/passwd", "http:///nohost", "not a url", "http://nowhere.test/"],
)
def test_urls_of_another_scheme_without_host_or_unresolvable_are_refused(url):
    with pytest.raises(UrlRefusedError):
        check_webhook_url(url, allow_private=False, resolve=resolver({}))


def test_a_resolver_that_hangs_gives_up_in_bounded_time():
    def slow(host, port):
        time.sleep(2)
        return ["93.184.216.34"]

    started = time.monotonic()
    with pytest.raises(HostResolutionError):
        check_webhook_url(
            "https://slow.test/", allow_private=False, resolve=bounded_resolver(slow, seconds=0.2)
        )
    assert time.monotonic() - started < 1.5
