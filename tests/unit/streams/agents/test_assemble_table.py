"""The pure rules over a value of assemble's applications table."""

from __future__ import annotations

from infra.topics import APPLICATION, APPLICATION_EVENT
from streams.agents.assemble_table import NO_DOCUMENT, admit, app_of, emitted_by, replay, split_failed, stored
from streams.agents.contracts import Output
from streams.stages.commands import new_state
from streams.wire.failures import FAILURE

READ = {"document": {"document_id": "d1"}}
SPLIT_FAILURE = {"document": None, FAILURE: {"stage": "split"}}


def test_a_split_failure_is_not_admitted_once_documents_of_the_submission_are_in():
    assert admit({}, SPLIT_FAILURE)
    assert not admit({"d1": READ}, SPLIT_FAILURE)
    assert admit({NO_DOCUMENT: SPLIT_FAILURE}, READ)


def test_a_submission_split_failed_when_its_only_entry_is_the_split_failure():
    assert split_failed({NO_DOCUMENT: SPLIT_FAILURE})
    assert not split_failed({"d1": READ})


def test_a_redelivered_document_replays_its_events_as_they_were_and_the_application_as_it_is_now():
    first, now = {"version": 1, "status": "review_required"}, {"version": 3, "status": "processed"}
    emitted = stored([Output(APPLICATION.name, key="app", value=first),
                      Output(APPLICATION_EVENT.name, key="app", value={"event_id": "e1"})])
    state = {"app": {"base": first, "current": now}}

    outputs = replay(emitted, state, "app")

    assert [o.value for o in outputs] == [now, {"event_id": "e1"}]


def test_what_a_reprocess_run_emitted_wins_over_the_first_arrival():
    submission = {"emitted": {"d1": ["first"]}}
    assert emitted_by({}, submission, "d1") == ["first"]
    assert emitted_by({"rerun_emitted": {"d1": ["rerun"]}}, submission, "d1") == ["rerun"]


def test_an_old_table_value_without_a_kept_state_recovers_it_from_the_owner_s_last_record():
    record = {"version": 1, "status": "processed"}
    state = {"owner": "s1", "submissions": {"s1": {"emitted": {"d1": stored([
        Output(APPLICATION.name, key="app", value=record)])}}}}
    assert app_of(state, "app") == new_state(record)
    assert app_of({"submissions": {}}, "app") is None
