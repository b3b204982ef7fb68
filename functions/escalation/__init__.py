"""Escalation: the ladder's schedule, its Step Functions clock, each wake-up's step, the signed
action links and what people do with them, resolution and the post-mortem draft."""
