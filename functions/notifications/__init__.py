"""Notifications: runbook templates rendered with escaped fields, delivered per severity."""
