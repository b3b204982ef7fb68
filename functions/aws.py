"""AWS clients, created on first use and reused for the life of the container.

Alarms are rare, so nearly every intake is a cold start: a client costs 100-170 ms to
build, so only the ones a path really uses are ever created. They are botocore's clients, which
boto3 only wraps: `import boto3` adds its resource layer and s3transfer (~12 ms, a tenth of the
cold start) that no function here uses.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from botocore.config import Config
from botocore.session import Session

# The clients' own retries (standard mode, jittered backoff); no hand-written retry loops.
CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=2, read_timeout=5)


def new_session(region_name: str | None = None) -> Session:
    """A session that finds credentials and the region as boto3's would (environment, profile, role)."""
    session = Session()
    if region_name:
        session.set_config_variable("region", region_name)
    return session


class AwsClients:
    def __init__(self, session: Session | None = None, config: Config = CLIENT_CONFIG) -> None:
        self._session = session or new_session()
        self._config = config

    def client(self, service: str) -> Any:
        return self._session.create_client(service, config=self._config)

    @cached_property
    def dynamodb(self) -> Any:
        return self.client("dynamodb")

    @cached_property
    def sns(self) -> Any:
        return self.client("sns")

    @cached_property
    def stepfunctions(self) -> Any:
        return self.client("stepfunctions")

    @cached_property
    def secretsmanager(self) -> Any:
        return self.client("secretsmanager")

    @cached_property
    def ssm(self) -> Any:
        return self.client("ssm")

    @cached_property
    def sqs(self) -> Any:
        return self.client("sqs")

    @cached_property
    def s3(self) -> Any:
        # botocore presigns S3 URLs with SigV2 unless told otherwise, and S3 refuses SigV2 for
        # SSE-KMS objects (the post-mortem bucket's): sign everything with SigV4.
        return self._session.create_client("s3", config=self._config.merge(Config(signature_version="s3v4")))

    @cached_property
    def elbv2(self) -> Any:
        return self.client("elbv2")

    @cached_property
    def ecs(self) -> Any:
        return self.client("ecs")

    @cached_property
    def rds(self) -> Any:
        return self.client("rds")

    @cached_property
    def logs(self) -> Any:
        return self.client("logs")

    @cached_property
    def cloudwatch(self) -> Any:
        return self.client("cloudwatch")

    @cached_property
    def lambda_(self) -> Any:
        return self.client("lambda")
