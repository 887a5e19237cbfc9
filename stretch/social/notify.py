"""Notifications: in-app and by email."""
