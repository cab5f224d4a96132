"""Builds each planned case: the deal, its documents (spoilt as its edge kind says), the email, its facts."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, replace
from email import utils

from faker import Faker

from infra.demo import documents as D
from infra.demo import email_text
from infra.demo.case_plan import PlannedCase
from infra.demo.documents import Deal, Doc
from infra.demo.edge_recipes import documents_for
from infra.demo.email_compose import MessageSpec, compose, message_id
from infra.demo.identities import IsoBroker, make_broker, new_faker
from infra.demo.ledger import misprinted_ending
from infra.demo.packaging import FUNDER_INBOX, Package, logo_png, package
from infra.demo.truth import CaseFacts

ZONES = (-5, -5, -6, -7, -8, -4)


@dataclass(frozen=True)
class Submission:
    """One built case: message bytes plus what its truth needs."""

    planned: PlannedCase
    broker: IsoBroker
    deal: Deal | None
    spec: MessageSpec
    raw: bytes
    docs: tuple[Doc, ...]  # in MIME order
    notes: tuple[str, ...]

    @property
    def application_read(self) -> bool:
        return any(d.doc_type == "iso_application" for d in self.docs)

    @property
    def check_read(self) -> bool:
        return any(d.doc_type == "voided_check" for d in self.docs)

    def facts(self) -> CaseFacts:
        """What the outcome rules need to know about this case."""
        statements = [d.statement for d in self.docs if d.doc_type == "bank_statement" and d.statement]
        app = self.application_read and self.deal is not None
        return CaseFacts(
            message_id=self.spec.message_id,
            sender_domain=self.spec.sender.split("@")[1],
            attachment_count=len(self.docs),
            has_invalid=any(d.doc_type == "invalid" for d in self.docs),
            application_read=self.application_read,
            statements_read=len(statements),
            unreconciled=any(not s.reconciles for s in statements),
            ein=self.deal.applicant.merchant.ein if app and self.deal else None,
        )


class CaseBuilder:
    """Builds cases in order, remembering brokers and earlier cases (for resends and copies)."""

    def __init__(self, seed: int, width: int = 3) -> None:
        self.seed, self.width = seed, width
        self.eins: set[str] = set()
        start = random.Random(f"mca-demo/{seed}/start")
        self.start = dt.datetime(2024, 2, 1, 9, 0) + dt.timedelta(days=start.randint(0, 640))
        self.brokers: list[IsoBroker] = []
        self.domains: set[str] = set()
        self.built: list[Submission] = []

    def build(self, planned: PlannedCase) -> Submission:
        """Build case `planned` (cases must be built in order)."""
        rng = random.Random(f"mca-demo/{self.seed}/{planned.index}")
        fake = new_faker(rng)
        if planned.kind == "duplicate":
            sub = self._resend(rng, planned)
        elif planned.kind in ("other_iso", "same_iso_resubmission"):
            sub = self._copy(rng, fake, planned)
        else:
            broker = self._broker(rng, fake, reuse=0.3)
            deal = D.make_deal(rng, fake, self._when(rng, planned.index))
            while deal.applicant.merchant.ein in self.eins:  # two merchants never share an EIN
                deal = D.make_deal(rng, fake, deal.submitted)
            self.eins.add(deal.applicant.merchant.ein)
            sub = self._fresh(rng, planned, broker, deal)
        self.built.append(sub)
        return sub

    def _case_id(self, sub: Submission) -> str:
        return f"{sub.planned.index + 1:0{self.width}d}"

    def _broker(self, rng: random.Random, fake: Faker, reuse: float, exclude: str | None = None) -> IsoBroker:
        known = [b for b in self.brokers if b.domain != exclude]
        if known and rng.random() < reuse:
            return rng.choice(known)
        broker = make_broker(rng, fake, self.domains)
        self.brokers.append(broker)
        return broker

    def _when(self, rng: random.Random, index: int) -> dt.datetime:
        zone = dt.timezone(dt.timedelta(hours=rng.choice(ZONES)))
        day = self.start + dt.timedelta(days=index // 3, hours=rng.randint(0, 10), minutes=rng.randint(0, 59))
        return day.replace(tzinfo=zone)

    def _resend(self, rng: random.Random, planned: PlannedCase) -> Submission:
        src = self.built[planned.source or 0]
        later = src.spec.date + dt.timedelta(hours=rng.randint(1, 30))
        headers = (
            *src.spec.headers,
            ("Resent-Date", utils.format_datetime(later)),
            ("Resent-From", src.spec.sender),
            ("Resent-Message-ID", message_id(rng, src.broker.domain, src.broker.rep_email.split("@")[0])),
        )
        spec = replace(src.spec, headers=headers)
        note = (
            f"[edge:duplicate] Resend of case {self._case_id(src)} with the same Message-ID "
            "(other bytes: Resent-* headers, new MIME boundaries)."
        )
        return Submission(
            planned, src.broker, src.deal, spec, compose(spec, rng), src.docs, (note, *src.notes)
        )

    def _copy(self, rng: random.Random, fake: Faker, planned: PlannedCase) -> Submission:
        src = self.built[planned.source or 0]
        assert src.deal is not None
        when = src.spec.date + dt.timedelta(days=rng.randint(1, 20), hours=rng.randint(0, 8))
        deal = replace(src.deal, submitted=when)
        if planned.kind == "other_iso":
            broker = self._broker(rng, fake, reuse=0.5, exclude=src.broker.domain)
            note = (
                f"[edge:other_iso] Same merchant (EIN {deal.applicant.merchant.ein}) as case "
                f"{self._case_id(src)}, sent by another ISO broker ({broker.domain})."
            )
        else:
            broker = src.broker
            note = (
                f"[edge:same_iso_resubmission] The ISO of case {self._case_id(src)} sends the same "
                "merchant again within 30 days: a warning, not a reason for review."
            )
        return self._fresh(rng, planned, broker, deal, (note,))

    def _fresh(
        self,
        rng: random.Random,
        planned: PlannedCase,
        broker: IsoBroker,
        deal: Deal,
        notes: tuple[str, ...] = (),
    ) -> Submission:
        kind = planned.kind
        notes_l = list(notes)
        if kind == "unreconciled_balance":
            statements = list(deal.statements)
            i = rng.randrange(len(statements))
            statements[i] = replace(statements[i], printed_ending=misprinted_ending(rng, statements[i]))
            deal = replace(deal, statements=tuple(statements))
            s = statements[i]
            notes_l.append(
                f"[edge:unreconciled_balance] The {s.period_end:%B %Y} statement prints an ending balance "
                f"of {s.shown_ending:.2f}; its transactions give {s.figures.ending_balance:.2f}."
            )
        docs = documents_for(rng, kind, deal, broker, notes_l)
        m = deal.applicant.merchant
        owner = deal.applicant.owners[0]
        pkg = package(
            rng,
            docs,
            trade=m.trade_name,
            rep_email=broker.rep_email,
            merchant_email=m.email,
            merchant_contact=owner.name,
            when=deal.submitted,
        )
        notes_l += pkg.notes
        spec = self._message(rng, kind, deal, broker, pkg, docs, notes_l)
        return Submission(planned, broker, deal, spec, compose(spec, rng), pkg.ordered_docs, tuple(notes_l))

    def _message(
        self,
        rng: random.Random,
        kind: str,
        deal: Deal,
        broker: IsoBroker,
        pkg: Package,
        docs: list[Doc],
        notes: list[str],
    ) -> MessageSpec:
        m, f = deal.applicant.merchant, deal.applicant.funding
        positions = len(deal.statements[-1].positions)
        facts = email_text.DealFacts(
            m.trade_name,
            m.legal_name,
            m.address.state,
            m.industry,
            f.amount_requested,
            f.use_of_funds,
            m.business_start_date.year,
            len(deal.statements),
            positions,
            any(d.doc_type == "voided_check" for d in docs),
        )
        lines = email_text.body_lines(rng, facts, broker, attached=bool(docs))
        shape = rng.random()
        html_on = shape < 0.7
        text_on = shape >= 0.1
        logo = None
        if html_on and rng.random() < 0.5:
            logo = (
                f"image00{rng.randint(1, 3)}.png@{rng.randbytes(6).hex().upper()}",
                logo_png(broker.company, rng),
            )
            notes.append("The inline logo (cid:) in the HTML body is not a document.")
        subject = email_text.subject(
            rng, facts, forwarded=pkg.forwarded is not None, follow_up=not docs and rng.random() < 0.5
        )
        return MessageSpec(
            sender_name=broker.rep_name,
            sender=broker.rep_email,
            to=rng.choice(FUNDER_INBOX),
            subject=subject,
            date=deal.submitted,
            message_id=message_id(rng, broker.domain, broker.rep_email.split("@")[0]),
            text=email_text.plain_body(lines) if text_on else None,
            html=email_text.html_body(lines, logo[0] if logo else None, broker.company) if html_on else None,
            logo=logo,
            attachments=pkg.attachments,
            forwarded=pkg.forwarded,
        )
