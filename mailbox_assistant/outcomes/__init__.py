"""Outcomes: the "Did this help?" votes, what became of each disconnection, and the reports built on them."""
