"""Intake: every shape an alarm or info signal arrives in, mapped to one `Signal`."""
