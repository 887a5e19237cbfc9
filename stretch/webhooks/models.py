"""Outgoing webhooks: a team's chat or HTTP endpoint and what was delivered to it."""
