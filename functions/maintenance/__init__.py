"""Maintenance windows: alarms inside one are held quietly, P0 still pages (policy D14)."""
