"""`mailbox-assistant worker`: run the background jobs until stopped (SIGTERM or Ctrl-C)."""

from __future__ import annotations

import argparse
import logging
import signal
import threading

from mailbox_assistant.settings import load_settings


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `worker` command."""
    parser = subparsers.add_parser("worker", help="proactive notifier, escalation outbox, token monitor")
    parser.add_argument("--once", action="store_true", help="run each job once and exit (for cron or checks)")
    parser.set_defaults(func=run_worker)


def run_worker(args: argparse.Namespace) -> int:
    """Build the jobs from the settings and run them."""
    from worker.jobs import build_jobs
    from worker.runner import run_each_in_its_thread, run_job_once

    settings = load_settings()
    settings.check_for("worker")
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    jobs = build_jobs(settings)
    if args.once:
        for job in jobs:
            run_job_once(job)
        return 0
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    run_each_in_its_thread(jobs, stop)
    return 0
