"""boto3 clients, created on first use and reused for the life of the container.

Alarms are rare, so nearly every intake is a cold start: a client costs 100-170 ms to
build, so only the ones a path really uses are ever created.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

import boto3
from botocore.config import Config

# The clients' own retries (standard mode, jittered backoff); no hand-written retry loops.
CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=2, read_timeout=5)


class AwsClients:
    def __init__(self, session: boto3.Session | None = None, config: Config = CLIENT_CONFIG) -> None:
        self._session = session or boto3.Session()
        self._config = config

    def client(self, service: str) -> Any:
        return self._session.client(service, config=self._config)  # type: ignore[call-overload]

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
        return self._session.client("s3", config=self._config.merge(Config(signature_version="s3v4")))

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
