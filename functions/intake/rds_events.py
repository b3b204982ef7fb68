"""AWS facts about RDS events that an RDS event subscription's SNS message leaves out.

EventBridge delivers an RDS event with its `EventCategories`; the SNS message of an event
subscription carries only the source type (`"Event Source": "db-instance"`) and the event id. The
event policy decides by category, so the categories are looked up here, from AWS's table of event
ids per source type and category: https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_Events.Messages.html
Only the DB instance and DB cluster source types are listed: every row of the other source types
decides the same whatever the category.
"""

from __future__ import annotations

# The EventBridge detail-type of each RDS source type, as SNS names the source type.
DETAIL_TYPES = {
    "db-instance": "RDS DB Instance Event",
    "db-cluster": "RDS DB Cluster Event",
    "db-snapshot": "RDS DB Snapshot Event",
    "db-cluster-snapshot": "RDS DB Cluster Snapshot Event",
    "db-parameter-group": "RDS DB Parameter Group Event",
    "db-security-group": "RDS DB Security Group Event",
    "db-proxy": "RDS DB Proxy Event",
    "custom-engine-version": "RDS Custom Engine Version Event",
    "blue-green-deployment": "RDS Blue Green Deployment Event",
}

_EVENT_IDS: dict[str, dict[str, tuple[int, ...]]] = {
    "RDS DB Instance Event": {
        "availability": (4, 6, 22, 221, 222),
        "backup": (1, 2, 86),
        "configuration change": (9, 10, 11, 12, 14, 16, 17, 18, 24, 25, 28, 29, 30, 32, 33, 67, 78, 92, 217, 218),
        "creation": (5,),
        "deletion": (3,),
        "failover": (13, 15, 34, 49, 50, 51, 65),
        "failure": (31, 35, 36, 58, 79, 80, 81, 165, 188, 195, 219, 220, 223, 224, 237, 254),
        "low storage": (7, 89, 227),
        "maintenance": (26, 27, 47, 155, 191, 192, 193, 194, 195),
        "notification": (44, 48, 54, 55, 56, 64, 84, 87, 88, 154, 157, 158, 167, 189, 191, 192, 193, 194, 225, 231,
                         253),
        "read replica": (45, 46, 57, 62, 63, 202),
        "recovery": (20, 21, 23, 52, 53, 66, 166),
        "restoration": (19, 43),
        "security": (68,),
        "security patching": (230,),
    },
    "RDS DB Cluster Event": {
        "creation": (170,),
        "failover": (69, 70, 71, 72, 73),
        "global failover": (181, 182, 183, 184, 185, 186, 187),
        "notification": (172,),
    },
}  # fmt: skip


def categories(detail_type: str, event_id: str) -> tuple[str, ...]:
    """The categories AWS files `event_id` (`RDS-EVENT-0049`) under for that source type; () if unlisted."""
    try:
        number = int(event_id.rsplit("-", 1)[-1])
    except ValueError:
        return ()
    return tuple(name for name, ids in _EVENT_IDS.get(detail_type, {}).items() if number in ids)
