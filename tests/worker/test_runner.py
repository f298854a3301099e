"""The worker loop: jobs take turns, a failing job never stops the others, and stop ends the loop."""

import threading

from worker.runner import run_each_in_its_thread, run_jobs


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


class SlowJob:
    """A job whose first turn lasts (like a slow SMTP send) until another job has run three turns."""

    name = "slow"

    def __init__(self, others_ran: threading.Event):
        self.others_ran, self.saw_others_run = others_ran, None

    def run_once(self):
        if self.saw_others_run is None:
            self.saw_others_run = self.others_ran.wait(timeout=5)
        return 0


def test_a_slow_job_does_not_hold_back_the_others_when_each_has_its_thread():
    stop = threading.Event()
    quick = CountingJob("quick", stop_after=3, stop=stop)
    slow = SlowJob(others_ran=stop)

    run_each_in_its_thread([slow, quick], stop, idle_seconds=0)

    assert slow.saw_others_run is True and quick.calls == 3
