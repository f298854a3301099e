"""The worker loop: jobs take turns, a failing job never stops the others, and stop ends the loop."""

import threading

from worker.runner import run_jobs


class CountingJob:
    def __init__(self, name, stop_after=None, stop=None, fail=False):
        self.name, self.calls, self.fail = name, 0, fail
        self.stop_after, self.stop = stop_after, stop

    def run_once(self):
        self.calls += 1
        if self.stop_after and self.calls >= self.stop_after:
            self.stop.set()
        if self.fail:
            raise RuntimeError("boom")
        return 1


def test_a_failing_job_is_logged_and_the_other_jobs_keep_running(caplog):
    stop = threading.Event()
    broken = CountingJob("broken", fail=True)
    healthy = CountingJob("healthy", stop_after=3, stop=stop)

    run_jobs([broken, healthy], stop, idle_seconds=0)

    assert healthy.calls == 3 and broken.calls == 3
    assert "worker job broken failed" in caplog.text


def test_the_loop_ends_when_stop_is_set():
    stop = threading.Event()
    stop.set()
    job = CountingJob("idle")

    run_jobs([job], stop)

    assert job.calls == 0
