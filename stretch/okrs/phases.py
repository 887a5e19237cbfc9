"""Cycle phases: planning, active, grading, closed, and what each phase allows."""
