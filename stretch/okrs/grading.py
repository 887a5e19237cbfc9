"""Grading: scores for key results and objectives in the grading phase."""
