"""Small pure helpers of the routes: EIN and name filters, downloads, request ids, route labels."""

from api.middleware import request_id_of, route_template
from api.services.applications import like_pattern, normalize_ein
from api.services.documents import chunks, content_disposition, store_key
from consumers.webhooks.policy import RecordedAttempt, plan_attempt
from infra.object_store import S3ObjectStore


def test_an_ein_with_nine_digits_is_searched_in_its_stored_form():
    assert normalize_ein("123456789") == "12-3456789"
    assert normalize_ein(" 12-3456789 ") == "12-3456789"
    assert normalize_ein("12-345") == "12-345"


def test_merchant_search_escapes_like_wildcards():
    assert like_pattern(" Joe's 100%_Pizza ") == "%joe's 100\\%\\_pizza%"


def test_downloads_are_streamed_in_chunks_that_add_up_to_the_bytes():
    data = bytes(range(256)) * 1000
    assert b"".join(chunks(data, 1000)) == data and len(list(chunks(data, 1000))) == 256
    assert list(chunks(b"")) == []


def test_the_disposition_names_the_file_safely_for_any_header_parser():
    header = content_disposition('stmt "march"\r\n/..\\é.pdf', "d1")
    assert "\r" not in header and "\n" not in header and "\\" not in header.split(";")[1]
    assert header.startswith("attachment; filename=") and "filename*=UTF-8''" in header
    assert content_disposition(None, "d1") == "attachment; filename=\"d1.bin\"; filename*=UTF-8''d1.bin"


def test_only_uris_inside_the_s3_store_have_a_presignable_key():
    store = S3ObjectStore("bucket", "mca/objects", endpoint_url="http://127.0.0.1:1")
    assert store_key(store, "s3://bucket/mca/objects/att/ab/abcd.pdf") == "att/ab/abcd.pdf"
    assert store_key(store, "s3://other/mca/objects/att/x.pdf") is None
    assert store_key(store, "s3://bucket/elsewhere/x.pdf") is None


def test_a_safe_request_id_is_kept_and_anything_else_replaced():
    assert request_id_of([(b"x-request-id", b"abc-123")]) == "abc-123"
    made = request_id_of([(b"x-request-id", b"bad id\r\n")])
    assert made != "bad id\r\n" and len(made) == 32


def test_metric_labels_use_the_full_route_template_never_the_raw_path():
    class Route:
        path = "/applications/{application_id}"

    scope = {"path": "/api/v1/applications/abc", "route": Route()}
    assert route_template(scope) == "/api/v1/applications/{application_id}"
    assert route_template({"path": "/nothing"}) == "unmatched"


def test_a_redelivery_numbered_after_the_last_logged_attempt_is_sent_by_the_workers():
    history = [
        RecordedAttempt(1, "retrying"),
        RecordedAttempt(2, "retrying"),
        RecordedAttempt(3, "dead_lettered"),
    ]
    plan = plan_attempt(history, task_attempt=history[-1].attempt)
    assert (plan.action, plan.attempt) == ("send", 4)
    assert plan_attempt(history, task_attempt=0).action == "skip"  # why a plain re-publish would not do
