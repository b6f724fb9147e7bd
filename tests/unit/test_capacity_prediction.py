"""The wait a new chat is promised: queued tasks leave as fast as the workers measured they free slots
while saturated (not as fast as their mean run time suggests), draining workers free none, and a
worker that never saturated is counted at concurrency / run time."""

from __future__ import annotations

from agent_service.delivery import throughput
from agent_service.delivery.throughput import Throughput
from contract import Capacity, WorkerBeat


def beat(**kw) -> WorkerBeat:
    return WorkerBeat(worker_id=kw.pop("worker_id", "w"), **kw)


def test_the_measured_drain_rate_predicts_the_wait_rather_than_the_mean_run_time():
    # 100 slots whose runs took 2 s when fewer ran (50/s), but only 10/s end while all are taken
    saturated = beat(concurrency=100, free_slots=0, run_s=2.0, drain_per_s=10.0)
    capacity = Capacity.of([saturated], queue_depth=199, oldest_queued_s=0)
    assert capacity.predicted_wait_s == 20.0  # 200th in line at 10/s
    assert not capacity.admits(19.0) and capacity.admits(20.0)


def test_a_worker_never_saturated_is_counted_at_concurrency_over_its_run_time():
    capacity = Capacity.of([beat(concurrency=10, free_slots=0, run_s=4.0)], queue_depth=9, oldest_queued_s=0)
    assert capacity.drain_per_s == 2.5 and capacity.predicted_wait_s == 4.0


def test_a_draining_worker_frees_no_slot_for_the_queue():
    live = beat(worker_id="a", concurrency=10, free_slots=0, run_s=1.0, drain_per_s=5.0)
    draining = beat(worker_id="b", concurrency=10, free_slots=0, run_s=1.0, accepting=False)
    capacity = Capacity.of([live, draining], queue_depth=4, oldest_queued_s=0)
    assert capacity.drain_per_s == 5.0 and capacity.predicted_wait_s == 1.0


def test_chats_admitted_on_one_snapshot_lengthen_the_wait_of_the_next():
    capacity = Capacity.of(
        [beat(concurrency=1, free_slots=0, drain_per_s=1.0)], queue_depth=0, oldest_queued_s=0
    )
    assert [capacity.with_admitted(n).predicted_wait_s for n in (0, 1, 5)] == [1.0, 2.0, 6.0]


def test_the_meter_counts_only_intervals_that_start_with_every_slot_taken(monkeypatch):
    clock = [0.0]
    monkeypatch.setattr(throughput.time, "monotonic", lambda: clock[0])
    meter = Throughput()

    def interval(busy: int, ended: int, seconds: float = 2.0) -> None:
        for _ in range(ended):
            meter.ended()
        clock[0] += seconds
        meter.sample(busy, concurrency=10)

    interval(busy=3, ended=50)  # slots free: the arrival rate, not a capacity
    assert meter.drain_per_s == 0.0
    interval(busy=10, ended=40)  # became full during this interval: not a sample yet
    interval(busy=10, ended=8)
    interval(busy=4, ended=10)  # a wave of runs ended: slots free at the end, still a sample
    interval(busy=4, ended=2)  # started with slots free: not a sample
    assert meter.drain_per_s == 4.5  # 18 runs in 4 saturated seconds


def test_the_meter_forgets_saturation_older_than_its_window(monkeypatch):
    clock = [0.0]
    monkeypatch.setattr(throughput.time, "monotonic", lambda: clock[0])
    meter = Throughput()
    for ended in [0, *[100] * 20, *[2] * 20]:  # 40 s fast, then 40 s slow, 2 s per interval
        for _ in range(ended):
            meter.ended()
        clock[0] += 2.0
        meter.sample(10, 10)
    assert meter.drain_per_s == 1.0  # only the last 30 s (slow) count
