"""The on-call roster in SSM Parameter Store, where the functions read it at cold start (functions/roster)."""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from functions.roster import Roster, dump_roster
from infra.config import SSM_ADVANCED_VALUE_BYTES, SSM_STANDARD_VALUE_BYTES


class RosterParameter(Construct):
    """
    - `roster` (the config's): written as compact JSON into `/<stack name>/roster`, a String
      parameter (CloudFormation cannot create a SecureString); the advanced tier only when the
      JSON is over 4 KB. The next deploy overwrites a hand edit: change the config, not the parameter.
    - `parameter_name` (the config's `roster_parameter`): a parameter you keep yourself, String or
      SecureString under the account's `aws/ssm` key; imported, never written, so an override is a
      `put-parameter` away (`responder roster --parameter NAME` checks it).

    `parameter` is the handle to `grant_read` to the functions; its `parameter_name` goes in their
    environment.
    """

    def __init__(
        self, scope: Construct, construct_id: str, *, roster: Roster | None = None, parameter_name: str = ""
    ) -> None:
        super().__init__(scope, construct_id)
        if (roster is None) == (not parameter_name):
            raise ValueError("RosterParameter needs exactly one of roster and parameter_name")
        self.parameter: ssm.IStringParameter
        if roster is not None:
            value = dump_roster(roster)
            if len(value.encode()) > SSM_ADVANCED_VALUE_BYTES:  # the config refuses it first; never truncate
                raise ValueError(f"the roster is {len(value.encode())} bytes; SSM holds {SSM_ADVANCED_VALUE_BYTES}")
            standard = len(value.encode()) <= SSM_STANDARD_VALUE_BYTES
            self.parameter = ssm.StringParameter(
                self,
                "Parameter",
                parameter_name=f"/{Stack.of(self).stack_name}/roster",
                description="On-call roster: people, weekly rotation per level L1-L4, overrides (functions/roster)",
                string_value=value,
                tier=ssm.ParameterTier.STANDARD if standard else ssm.ParameterTier.ADVANCED,
            )
        else:
            # The secure-string import is only a name and an ARN: no CloudFormation parameter that
            # would refuse a SecureString at deploy, and it works for a plain String as well.
            self.parameter = ssm.StringParameter.from_secure_string_parameter_attributes(
                self, "Parameter", parameter_name=parameter_name
            )
