"""Declared incidents: the runbook's incidents that come from people, not alarms (policy D13)."""
