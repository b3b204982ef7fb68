"""Raw AWS shapes as they arrive, with AWS's own field names: one module per source.

Tolerant where real payloads vary (legacy layouts, stringified numbers, missing optional
fields, both `name`/`Name` dimension spellings); strict where a wrong type means the
payload is not what it claims to be. Mapping to the domain lives in `signal.py`.

`intake/parse.py` imports a source's module when an event of that source arrives: defining a
pydantic model costs ~0.25 ms even with its validator deferred, and nearly every intake is the
cold start of an SNS alarm, which needs `sns` alone.
"""
