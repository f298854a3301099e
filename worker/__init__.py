"""The worker process: proactive DMs, the escalation outbox and the OAuth token monitor."""
