"""Notifications and what the rhythm has sent."""
