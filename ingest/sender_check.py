"""Check a sender ourselves: SPF (pyspf), DKIM (dkimpy), DMARC (authheaders over dnspython).

Blocking DNS I/O: call it through asyncio.to_thread. DNS failures give 'temperror', never an
exception, so a resolver outage cannot stop an email from being accepted.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import dkim
import spf
from authheaders import check_dmarc
from authres import DKIMAuthenticationResult, SPFAuthenticationResult
from dns.exception import DNSException

from ingest.authentication import Verdicts, normalize_result

logger = logging.getLogger(__name__)

DnsFunc = Callable[..., object]


def check_sender(
    raw: bytes,
    *,
    authserv_id: str,
    peer_ip: str | None,
    mail_from: str | None,
    helo: str | None,
    from_domain: str,
    dnsfunc: DnsFunc | None = None,
    timeout: float = 10.0,
) -> Verdicts:
    """Verdicts computed here (source 'checked'). SPF needs the SMTP peer IP: without it 'unknown'.

    `dnsfunc` replaces DNS TXT lookups for DKIM and DMARC (tests); SPF always asks DNS.
    """
    spf_result = _check_spf(peer_ip, mail_from or "", helo or "", timeout)
    dkim_result, dkim_domain = _check_dkim(raw, dnsfunc)
    dmarc_result = _check_dmarc(
        raw, from_domain, spf_result, mail_from or "", helo or "", dkim_result, dkim_domain, dnsfunc
    )
    return Verdicts(
        spf=spf_result, dkim=dkim_result, dmarc=dmarc_result, source="checked", authserv_id=authserv_id
    )


def _check_spf(peer_ip: str | None, mail_from: str, helo: str, timeout: float) -> str:
    if not peer_ip:
        return "unknown"
    try:
        result, _explanation = spf.check2(peer_ip, mail_from, helo, timeout=timeout, querytime=timeout)
    except (DNSException, spf.TempError, OSError) as exc:
        logger.info("SPF check could not reach DNS: %s", exc)
        return "temperror"
    except (spf.PermError, ValueError) as exc:
        logger.info("SPF check failed permanently: %s", exc)
        return "permerror"
    return normalize_result(result)


def _check_dkim(raw: bytes, dnsfunc: DnsFunc | None) -> tuple[str, str]:
    """('pass', signing domain) when any signature verifies; else the first signature's verdict."""
    try:
        verifier = dkim.DKIM(raw)
        signatures = [v for name, v in verifier.headers if name.lower() == b"dkim-signature"]
    except (dkim.DKIMException, ValueError, IndexError) as exc:
        logger.info("DKIM check could not read the message: %s", exc)
        return "permerror", ""
    if not signatures:
        return "none", ""
    verdicts: list[str] = []
    for index in range(len(signatures)):
        try:
            ok = verifier.verify(index, dnsfunc=dnsfunc) if dnsfunc else verifier.verify(index)
            verdicts.append("pass" if ok else "fail")
        except DNSException as exc:
            logger.info("DKIM check could not reach DNS: %s", exc)
            verdicts.append("temperror")
        except (dkim.KeyFormatError, dkim.MessageFormatError, dkim.ParameterError) as exc:
            logger.info("DKIM signature %d is unusable: %s", index, exc)
            verdicts.append("permerror")
        except (dkim.DKIMException, ValueError, IndexError) as exc:  # e.g. body hash mismatch
            logger.info("DKIM signature %d does not verify: %s", index, exc)
            verdicts.append("fail")
        if verdicts[-1] == "pass":
            return "pass", verifier.domain.decode("ascii", errors="replace") if verifier.domain else ""
    return verdicts[0], ""


def _check_dmarc(
    raw: bytes,
    from_domain: str,
    spf_result: str,
    mail_from: str,
    helo: str,
    dkim_result: str,
    dkim_domain: str,
    dnsfunc: DnsFunc | None,
) -> str:
    if not from_domain:
        return "none"
    spf_input = SPFAuthenticationResult(
        result=spf_result if spf_result != "unknown" else "none",
        smtp_mailfrom=mail_from or None,
        smtp_helo=helo or None,
    )
    dkim_input = DKIMAuthenticationResult(result=dkim_result, header_d=dkim_domain or None)
    try:
        result = check_dmarc(raw, spf_result=spf_input, dkim_result=dkim_input, dnsfunc=dnsfunc)
    except DNSException as exc:
        logger.info("DMARC lookup could not reach DNS: %s", exc)
        return "temperror"
    except Exception as exc:  # third-party policy parsing; a broken record must not refuse the email
        logger.warning("DMARC evaluation failed: %s", exc)
        return "permerror"
    return normalize_result(getattr(result, "result", None))
