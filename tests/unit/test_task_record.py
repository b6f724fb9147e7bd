"""The task hash as both services read it (contract.TaskRecord) and the one queue-timeout rule."""

from __future__ import annotations

from contract import ChatTask, TaskField, TaskRecord, queue_timed_out, task_id_of


def test_a_missing_task_hash_has_no_record():
    assert TaskRecord.parse({}) is None
    assert TaskRecord.from_values([TaskField.STATUS, TaskField.OWNER], [None, None]) is None


def test_a_record_reads_typed_fields_and_tolerates_garbage():
    record = TaskRecord.parse(
        {
            TaskField.STATUS: "running",
            TaskField.ATTEMPTS: "2",
            TaskField.CANCEL: "1",
            TaskField.CREATED_AT: "100.5",
            TaskField.STARTED_AT: "not a time",
        }
    )
    assert record is not None
    assert (record.status, record.attempts, record.cancel) == ("running", 2, True)
    assert (record.created_at, record.started_at, record.queued_at) == (100.5, None, None)
    assert not record.finished
    assert TaskRecord.parse({TaskField.STATUS: "cancelled"}).finished


def test_queued_since_is_queued_at_else_created_at_else_the_default():
    both = TaskRecord.parse({TaskField.QUEUED_AT: "200", TaskField.CREATED_AT: "100"})
    created = TaskRecord.parse({TaskField.CREATED_AT: "100"})
    assert both.queued_since() == 200
    assert created.queued_since() == 100
    assert TaskRecord().queued_since(default=50) == 50


def test_a_task_is_late_once_it_waited_the_queue_timeout():
    record = TaskRecord.parse({TaskField.QUEUED_AT: "200", TaskField.CREATED_AT: "100"})
    assert not record.queue_expired(now=229.9, timeout_s=30)
    assert record.queue_expired(now=230, timeout_s=30)
    assert queue_timed_out(since=0, now=30, timeout_s=30) and not queue_timed_out(0, 29, 30)


def test_the_task_id_of_a_queue_payload():
    task = ChatTask(session_id="s", owner="o", message="m")
    assert task_id_of(task.model_dump_json()) == task.task_id
    assert task_id_of("not a task") is None
