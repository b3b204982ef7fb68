"""The on-call roster: who holds L1..L4 at a moment, from weekly rotations and overrides (policy D15).

`model` is the document and its validation, `schedule` the rotation maths, `load` the SSM read,
`source` what the functions read once per container. Import from the modules: this package file
stays empty so the alarm path only pays for the part it uses.
"""
