"""The web UI end to end in headless Chromium (Debian's, driven by Playwright; no browser is ever
downloaded), over the real app, Kafka, registry, pipeline worker, postgres-sink, PostgreSQL and
webhook workers.

Two of the project's demo submissions (one meant to be processed, one meant for review) go through
ingest into one real `mca worker` (every pipeline agent, assemble included), and the real
postgres-sink projects what it assembles; the module shares that worker. Scenarios: sign in; find
an application and open it; select a field and see its box on the page image; correct a field in
the review queue and see the new value once the assemble agent applied it and the sink projected
it; register a webhook and see its test ping delivered to a real receiver on 127.0.0.1; an analyst
never sees an SSN, in the page text or on the page images. Any console error fails the test.
Screenshots of every screen go to artifacts/screenshots/.
"""

from __future__ import annotations

import io
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from confluent_kafka.admin import NewTopic
from PIL import Image
from playwright.sync_api import BrowserContext, Page, Playwright, expect, sync_playwright

from api.config import ApiTopics
from api.services.redaction import is_pii_path
from consumers.postgres_sink.runner import SinkConfig
from infra.crypto import new_key_spec, parse_key_ring
from infra.object_store import object_store_from_url
from infra.topics import APPLICATION, APPLICATION_CORRECTION, APPLICATION_EVENT, EMAIL_RECEIVED
from ingest.accept import IngestDeps
from ingest.producer import EventProducer, producer_config
from schemas.serde import AvroSerde
from tests.fixtures.kafka import admin_client
from tests.integration.api.api_support import PASSWORD, api_settings, make_callers, serving
from tests.integration.consumers.postgres_sink_support import fresh_database, running_sink
from tests.integration.consumers.webhooks_support import (
    Topics,
    running_receiver,
    running_webhooks,
    webhook_settings,
)
from tests.integration.consumers.webhooks_support import wait_until as wait_for
from tests.integration.ui.pipeline_world import (
    DemoSubmission,
    create_topics,
    demo_submissions,
    ingest,
    pipeline_worker,
    wait_until,
    worker_env,
)
from tests.integration.ui.ui_support import SCREENSHOTS

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEMO_CASES = 4  # the demo plan's first case meant for review is among its first four
PIPELINE_WAIT_S = 180.0
WAIT_MS = 30_000


def shot(page: Page, name: str) -> None:
    """Save a full-page screenshot as artifacts/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    if not Path(CHROMIUM).exists() or shutil.which("chromedriver") is None:
        message = (
            "Debian's chromium and chromium-driver are missing (apt-get install chromium chromium-driver)"
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as driver:
        yield driver


def _hook_topics(admin: Any) -> Topics:
    suffix = uuid.uuid4().hex
    hooks = Topics(
        events=f"ui-hook-events-{suffix}",
        delivery=f"ui-hook-delivery-{suffix}",
        retries=(f"ui-hook-retry-a-{suffix}", f"ui-hook-retry-b-{suffix}", f"ui-hook-retry-c-{suffix}"),
        dlq=f"ui-hook-dlq-{suffix}",
        poison=f"ui-dlq-{suffix}",
    )
    everything = [hooks.events, hooks.delivery, *hooks.retries, hooks.dlq, hooks.poison]
    for future in admin.create_topics([NewTopic(name, 1, 1) for name in everything]).values():
        future.result(15)
    return hooks


def chosen_cases(cases: list[DemoSubmission]) -> list[DemoSubmission]:
    """The first case meant for review and the first processed one with a voided check (so owners'
    and account PII are both on its pages)."""
    review = [case for case in cases if case.intended == "review_required"]
    checked = [
        case
        for case in cases
        if case.intended == "processed"
        and any(document.get("doc_type") == "voided_check" for document in case.truth["documents"])
    ]
    assert review and checked, [(case.case_id, case.intended) for case in cases]
    return [checked[0], review[0]]


def projected(base: str, headers: dict[str, str], ids: set[str]) -> bool:
    """Whether the API lists every one of `ids`."""
    answer = httpx.get(f"{base}/api/v1/applications", headers=headers, params={"limit": 100}, timeout=30)
    return answer.status_code == 200 and ids <= {item["application_id"] for item in answer.json()["items"]}


@pytest.fixture(scope="module")
def world(request, tmp_path_factory, kafka_bootstrap, schema_registry) -> Iterator[dict[str, Any]]:
    """Demo submissions sent through ingest to a real pipeline worker and projected by the real sink;
    the API with its UI; the webhook workers and a receiver on 127.0.0.1."""
    tmp = tmp_path_factory.mktemp("ui-browser")
    admin = admin_client(kafka_bootstrap)
    names = create_topics(admin, "ui")
    hooks = _hook_topics(admin)
    spec = new_key_spec()
    ring = parse_key_ring(spec)
    serde = AvroSerde(schema_registry)
    objects = (tmp / "objects").as_uri()
    app_id = f"test-ui-{uuid.uuid4().hex[:12]}"
    log = tmp / "worker.log"
    env = worker_env(
        os.environ,
        home=tmp / "worker-home",
        bootstrap=kafka_bootstrap,
        registry=schema_registry,
        app_id=app_id,
        object_store_url=objects,
        key_spec=spec,
        topic_names=names,
    )
    producer = EventProducer(producer_config(kafka_bootstrap, delivery_timeout_ms=30_000))
    try:
        with (
            fresh_database("postgresql", lambda: request.getfixturevalue("postgres_url"), tmp) as url,
            pipeline_worker(log, env) as worker,
        ):
            demos = demo_submissions(tmp / "demo", cases=DEMO_CASES, keep=chosen_cases)
            settings = api_settings(
                url,
                tmp / "home",
                spec,
                kafka_bootstrap=kafka_bootstrap,
                registry_url=schema_registry,
                object_store_url=objects,
                api_read_your_writes_seconds=20,
                webhook_allow_private_urls=True,
            )
            sink = SinkConfig(
                topic=names[APPLICATION.name],
                event_topic=names[APPLICATION_EVENT.name],
                group_id=f"ui-sink-{uuid.uuid4().hex}",
                dlq_topic=hooks.poison,
                batch_size=50,
                batch_max_seconds=0.05,
                poll_seconds=0.05,
            )
            hook_settings = webhook_settings(
                bootstrap=kafka_bootstrap, registry=schema_registry, database_url=url, key_spec=spec
            )
            api_topics = ApiTopics(
                correction=names[APPLICATION_CORRECTION.name], webhook_delivery=hooks.delivery
            )
            with (
                running_sink(url, kafka_bootstrap, schema_registry, sink),
                running_webhooks(hook_settings, hooks) as webhooks_alive,
                running_receiver() as receiver,
                serving(settings, topics=api_topics) as base,
            ):
                deps = IngestDeps(
                    store=object_store_from_url(objects, ring=ring),
                    serde=serde,
                    producer=producer,
                    topic=names[EMAIL_RECEIVED.name],
                )
                ingest(demos, deps)
                callers = make_callers(url, base)
                ids = {demo.application_id for demo in demos}
                wait_until(
                    lambda: projected(base, callers.headers["admin"], ids),
                    what="the demo applications to be projected",
                    seconds=PIPELINE_WAIT_S,
                    worker=worker,
                    log=log,
                )
                yield {
                    "base": base,
                    "demos": demos,
                    "callers": callers,
                    "receiver": receiver,
                    "webhooks_alive": webhooks_alive,
                    "url": url,
                    "worker": worker,
                    "log": log,
                }
    finally:
        producer.close()
        internal = [name for name in admin.list_topics(timeout=15).topics if name.startswith(app_id)]
        hook_names = [hooks.events, hooks.delivery, *hooks.retries, hooks.dlq, hooks.poison]
        admin.delete_topics([*names.values(), *internal, *hook_names])


@pytest.fixture
def browser(playwright: Playwright, tmp_path: Path) -> Iterator[BrowserContext]:
    """A fresh Chromium (its own user-data-dir) whose pages fail the test on any console error."""
    context = playwright.chromium.launch_persistent_context(
        str(tmp_path / "chromium-profile"),
        executable_path=CHROMIUM,
        headless=True,
        args=CHROMIUM_ARGS,
        viewport={"width": 1280, "height": 900},
        color_scheme="light",
    )
    errors: list[str] = []
    context.on("page", lambda page: _watch(page, errors))
    try:
        yield context
    finally:
        context.close()
    assert not errors, f"console errors: {errors}"


def _watch(page: Page, errors: list[str]) -> None:
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))


def sign_in(
    context: BrowserContext, world: dict[str, Any], role: str, *, screenshot: str | None = None
) -> Page:
    page = context.pages[0] if context.pages else context.new_page()
    page.goto(f"{world['base']}/ui/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("Email").fill(world["callers"].emails[role])
    page.get_by_label("Password").fill(PASSWORD)
    if screenshot:
        shot(page, screenshot)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible(timeout=WAIT_MS)
    return page


def demo(world: dict[str, Any], intended: str) -> DemoSubmission:
    """The demo submission meant to come out `intended`."""
    return next(d for d in world["demos"] if d.intended == intended)


def detail_of(world: dict[str, Any], application_id: str) -> dict[str, Any]:
    """The application as the API answers an admin (PII masked)."""
    answer = httpx.get(
        f"{world['base']}/api/v1/applications/{application_id}",
        headers=world["callers"].headers["admin"],
        params={"reveal_pii": "false"},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def wait_until_projected(world: dict[str, Any], page: Page) -> None:
    """The applications table lists every demo application (the fixture waited for the projection)."""
    page.goto(f"{world['base']}/ui/applications")
    expect(page.locator("#applications-table tbody tr")).to_have_count(len(world["demos"]), timeout=WAIT_MS)


def test_sign_in_shows_the_dashboard_in_light_and_dark(world, browser):
    page = sign_in(browser, world, "underwriter", screenshot="01-sign-in")
    wait_until_projected(world, page)
    page.goto(f"{world['base']}/ui/")
    expect(page.locator("#live")).to_contain_text("Applications by status")
    shot(page, "02-dashboard")
    page.get_by_role("button", name="Dark theme").click()
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    shot(page, "02-dashboard-dark")
    page.get_by_role("button", name="Light theme").click()
    expect(page.locator("html")).to_have_attribute("data-theme", "light")


def test_find_an_application_open_it_and_see_a_fields_box_on_the_page(world, browser):
    page = sign_in(browser, world, "underwriter")
    wait_until_projected(world, page)
    chosen = detail_of(world, demo(world, "processed").application_id)
    name = chosen["merchant"]["legal_name"]
    page.get_by_label("Merchant name or EIN").fill(name.split()[0])
    page.get_by_role("button", name="Search").click()
    link = page.locator("#applications-table").get_by_role("link", name=name)
    expect(link).to_be_visible(timeout=WAIT_MS)
    shot(page, "03-applications")
    page.set_viewport_size({"width": 820, "height": 1100})  # tablet width
    shot(page, "03-applications-tablet")
    page.set_viewport_size({"width": 1280, "height": 900})
    link.click()
    expect(page.get_by_role("heading", name=name, level=1)).to_be_visible()
    field = page.locator("button[data-field='merchant.legal_name']").first
    field.scroll_into_view_if_needed()
    field.click()
    highlight = page.locator("[data-highlight][data-for='merchant.legal_name']")
    expect(highlight).to_be_visible(timeout=WAIT_MS)
    expect(field).to_have_attribute("aria-pressed", "true")
    viewer = field.locator("xpath=ancestor::*[@data-viewer]")
    image = viewer.locator("[data-page-image]").bounding_box()
    box = highlight.bounding_box()
    assert image and box and box["width"] > 5 and box["height"] > 3
    x0, y0, x1, y1 = (float(v) for v in (field.get_attribute("data-box") or "").split(","))
    assert abs((box["x"] - image["x"]) / image["width"] - x0) < 0.02
    assert abs((box["y"] - image["y"]) / image["height"] - y0) < 0.02
    shot(page, "04-application-detail-highlighted-box")


def test_a_correction_in_the_review_queue_shows_its_new_value(world, browser):
    page = sign_in(browser, world, "underwriter")
    wait_until_projected(world, page)
    application_id = demo(world, "review_required").application_id
    before = detail_of(world, application_id)
    assert before["status"] == "review_required", before["review_reasons"]
    page.get_by_role("link", name="Review queue").click()
    card = page.locator(f"[id='card-{application_id}']")
    expect(card).to_be_visible()
    card.locator("summary").click()
    card.get_by_label("Field").select_option("merchant.dba_name")
    card.get_by_label("New value").fill("Corrected Trading Co")
    card.get_by_role("button", name="Save correction").click()
    card = page.locator(f"[id='card-{application_id}']")
    expect(card.locator("[data-corrected='merchant.dba_name']")).to_have_text(
        "Corrected Trading Co", timeout=WAIT_MS
    )
    expect(card.locator("[data-version]")).to_have_text(str(before["version"] + 1))
    shot(page, "05-review-queue-corrected")
    card.get_by_role("button", name="Mark reviewed").click()
    expect(page.locator(f"[id='card-{application_id}'] .status")).to_have_text("Processed", timeout=WAIT_MS)


def test_a_registered_webhook_receives_a_delivered_test_ping(world, browser):
    page = sign_in(browser, world, "admin")
    page.get_by_role("link", name="Webhooks").click()
    receiver = world["receiver"]
    page.get_by_label("URL").fill(receiver.url("/ui-hook"))
    page.get_by_label("application.processed").check()
    page.get_by_label("Allow a loopback or private address").check()
    page.get_by_role("button", name="Register endpoint").click()
    secret = page.locator("[data-secret]").inner_text()
    assert secret.startswith("whsec_")
    receiver.secrets["/ui-hook"] = [secret]
    page.get_by_role("button", name="Send test ping").click()
    expect(page.get_by_text("Test ping queued")).to_be_visible(timeout=WAIT_MS)
    delivered = page.locator("tr[data-outcome='succeeded'] [data-status-code]")
    expect(delivered.first).to_have_text("200", timeout=60_000)
    wait_for(lambda: bool(receiver.delivered("/ui-hook")), "the verified ping", 30, world["webhooks_alive"])
    shot(page, "06-webhooks-ping-delivered")


def test_the_users_page_lists_users_and_keys_for_an_admin(world, browser):
    page = sign_in(browser, world, "admin")
    page.get_by_role("link", name="Users").click()
    expect(page.get_by_role("heading", name="Users and API keys")).to_be_visible()
    page.get_by_label("Key name").fill("partner feed")
    page.get_by_role("button", name="Create key").click()
    expect(page.locator(".secret-value")).to_contain_text("mca_")
    shot(page, "07-users-and-api-keys")


def test_an_analyst_without_pii_read_never_sees_an_ssn(world, browser):
    page = sign_in(browser, world, "analyst")
    wait_until_projected(world, page)
    expect(page.get_by_role("link", name="Users")).to_have_count(0)
    ssns = [ssn for d in world["demos"] for ssn in d.ssns]
    assert ssns, "the demo applications have no SSN to hide"
    for chosen in world["demos"]:
        page.goto(f"{world['base']}/ui/applications/{chosen.application_id}")
        html = page.content()
        assert not [ssn for ssn in ssns if ssn in html or ssn.replace("-", "") in html]
    page.goto(f"{world['base']}/ui/review")
    assert not [ssn for ssn in ssns if ssn in page.content()]
    shot(page, "08-analyst-detail-masked")


def covered(png: bytes, box: dict[str, float]) -> bool:
    """Whether every pixel inside `box` (fractions of the page, shrunk by a pixel) is black."""
    image = Image.open(io.BytesIO(png)).convert("L")
    inner = (
        round(box["x0"] * image.width) + 1,
        round(box["y0"] * image.height) + 1,
        round(box["x1"] * image.width) - 1,
        round(box["y1"] * image.height) - 1,
    )
    return image.crop(inner).getextrema() == (0, 0)


def test_an_analyst_sees_the_pii_on_the_page_images_covered(world, browser):
    located = [
        (demo.application_id, field)
        for demo in world["demos"]
        for field in detail_of(world, demo.application_id)["fields"]
        if is_pii_path(field["path"]) and field["document_id"] and field["page"] and field["box"]
    ]
    assert located, "the pipeline located no PII on any page"
    page = sign_in(browser, world, "analyst")
    for _, field in located:
        image = f"{world['base']}/ui/documents/{field['document_id']}/pages/{field['page']}"
        answer = page.request.get(image)
        assert answer.ok and covered(answer.body(), field["box"]), field["path"]
    application_id, field = next((item for item in located if item[1]["page"] == 1), located[0])
    page.goto(f"{world['base']}/ui/applications/{application_id}")
    viewer = page.locator(f"[data-src$='/documents/{field['document_id']}/pages/']")
    viewer.scroll_into_view_if_needed()
    image = viewer.locator("[data-page-image]")
    expect(image).to_be_visible()
    page.wait_for_function("image => image.complete && image.naturalWidth > 0", arg=image.element_handle())
    shot(page, "09-analyst-page-image-redacted")
