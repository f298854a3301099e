"""Mailbox Assistant: the command line and the settings every process shares."""
