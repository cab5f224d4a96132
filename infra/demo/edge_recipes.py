"""The documents of one case, spoilt or left out the way its edge kind says (samples/README.md's list)."""

from __future__ import annotations

import random
from dataclasses import replace

from infra.demo import documents as D
from infra.demo import edge_cases, filenames
from infra.demo.documents import Deal, Doc
from infra.demo.identities import IsoBroker

SPOILERS = {
    "truncated_pdf": "truncated",
    "encrypted_pdf": "locked",
    "zero_byte": "zero_byte",
    "html_as_pdf": "html",
    "decompression_bomb": "bomb",
}
DESCRIBE = {
    "truncated": "a truncated PDF (the upload was cut short)",
    "locked": "a PDF encrypted with a user password nobody sent",
    "zero_byte": "a zero-byte file",
    "html": "an HTML page saved under a .pdf name",
    "bomb": "an image declaring tens of thousands of pixels a side (decompression bomb)",
}


def documents_for(
    rng: random.Random, kind: str, deal: Deal, broker: IsoBroker, notes: list[str]
) -> list[Doc]:
    """The attachments of a case of `kind` (in sending order); appends a tagged note for edge kinds."""
    taken: set[str] = set()
    if kind == "no_attachments":
        notes.append("[edge:no_attachments] The email has no attachments.")
        return []
    if kind == "nothing_readable":
        return _nothing_readable(rng, deal, broker, taken, notes)
    app = None if kind == "missing_iso" else D.application_doc(rng, deal, broker, taken)
    statements = (
        []
        if kind == "missing_statements"
        else [D.statement_doc(rng, deal, s, taken) for s in deal.statements]
    )
    check = D.check_doc(rng, deal, taken) if rng.random() < 0.7 or kind == "missing_statements" else None
    extras = (
        [D.extra_doc(rng, deal, taken, rng.choice(("invoice", "blank", "id_card")))]
        if rng.random() < 0.15
        else []
    )
    if kind == "missing_iso":
        notes.append(
            "[edge:missing_iso] No application form attached (statements only); merchant, funding "
            "and owners are unknown."
        )
    elif kind == "missing_statements":
        notes.append("[edge:missing_statements] Application without any bank statement.")
    elif kind == "long_irrelevant":
        extras.append(D.extra_doc(rng, deal, taken, "long"))
        notes.append(
            f"[edge:long_irrelevant] {extras[-1].filename} is a 300-page document that is neither "
            "application, statement nor check; it does not by itself need review."
        )
    elif kind == "owner_password_pdf":
        pool = [d for d in ([app] if app else []) + statements]
        target = rng.choice(pool)
        locked = replace(target, data=edge_cases.owner_locked(target.data, rng))
        app, statements = _swap(app, statements, target, locked)
        notes.append(
            f"[edge:owner_password_pdf] {target.filename} is encrypted with an owner password only; it "
            "opens with the empty user password and is read normally."
        )
    elif kind in SPOILERS:
        app, statements, check, extras = _spoil(rng, kind, deal, app, statements, check, extras, taken, notes)
    docs = [d for d in [app, *statements, check, *extras] if d is not None]
    if rng.random() < 0.25:
        rng.shuffle(docs)
    return docs


def _swap(app: Doc | None, statements: list[Doc], old: Doc, new: Doc) -> tuple[Doc | None, list[Doc]]:
    if app is old:
        return new, statements
    return app, [new if s is old else s for s in statements]


def _spoil(
    rng: random.Random,
    kind: str,
    deal: Deal,
    app: Doc | None,
    statements: list[Doc],
    check: Doc | None,
    extras: list[Doc],
    taken: set[str],
    notes: list[str],
) -> tuple[Doc | None, list[Doc], Doc | None, list[Doc]]:
    """Replace one attachment (or add one) by its spoilt form; returns app, statements, check, extras."""
    how = SPOILERS[kind]
    bank = deal.applicant.account.bank_name
    target: Doc | None
    if how in ("truncated", "locked"):
        target = rng.choice(statements) if rng.random() < 0.65 or app is None else app
    elif how == "html":
        target = rng.choice(statements) if rng.random() < 0.7 else None
    elif how == "zero_byte":
        target = check if check is not None and rng.random() < 0.6 else rng.choice(statements)
    else:
        target = check if check is not None and rng.random() < 0.6 else None
    if target is None:  # an extra, spoilt attachment beside the real ones
        name = "statement_download.pdf" if how == "html" else f"IMG_{rng.randint(1000, 9999)}.png"
        blank = D.Doc(filenames.unique(name, taken), b"", "application/pdf", "other", 1, False, 0.0, "")
        extras.append(D.invalid_doc(rng, blank, how, bank))
        spoilt = extras[-1]
    else:
        spoilt = D.invalid_doc(rng, target, how, bank)
        if target is check:
            check = spoilt
        else:
            app, statements = _swap(app, statements, target, spoilt)
    lost = {
        "iso_application": "the application is unreadable",
        "bank_statement": "its statement is not listed",
        "voided_check": "no voided check can be read",
    }.get(target.doc_type if target else "", "")
    notes.append(f"[edge:{kind}] {spoilt.filename} is {DESCRIBE[how]}" + (f"; {lost}." if lost else "."))
    return app, statements, check, extras


def _nothing_readable(
    rng: random.Random, deal: Deal, broker: IsoBroker, taken: set[str], notes: list[str]
) -> list[Doc]:
    if rng.random() < 0.5:
        docs = [
            D.check_doc(rng, deal, taken),
            D.extra_doc(rng, deal, taken, rng.choice(("id_card", "invoice"))),
        ]
        notes.append(
            "[edge:nothing_readable] Only a voided check and an unrelated document: no application and "
            "no bank statement to underwrite."
        )
        return docs
    app = D.invalid_doc(rng, D.application_doc(rng, deal, broker, taken, scanned=False), "truncated", "")
    statements = [
        D.invalid_doc(rng, D.statement_doc(rng, deal, s, taken, scanned=False), "locked", "")
        for s in deal.statements
    ]
    notes.append(
        "[edge:nothing_readable] The application is a truncated PDF and every statement is locked with "
        "an unknown password: nothing can be read."
    )
    return [app, *statements]
