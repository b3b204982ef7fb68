"""ECS events' details: service deployments and actions, tasks, container instances."""

from pydantic import Field

from functions.intake.raw.base import Raw


class EcsServiceDetail(Raw):
    """`ECS Deployment State Change` and `ECS Service Action`."""

    eventType: str | None = None
    eventName: str = Field(min_length=1)
    deploymentId: str | None = None
    updatedAt: str | None = None
    createdAt: str | None = None  # service actions carry createdAt, deployments updatedAt
    reason: str | None = None
    clusterArn: str | None = None


class EcsTaskDetail(Raw):
    """`ECS Task State Change`: the detail resembles DescribeTasks' Task."""

    lastStatus: str = Field(min_length=1)
    desiredStatus: str | None = None
    stopCode: str | None = None
    stoppedReason: str | None = None
    group: str | None = None  # "service:<name>" for a service's task
    clusterArn: str | None = None
    taskArn: str | None = None
    updatedAt: str | None = None


class EcsContainerInstanceDetail(Raw):
    """`ECS Container Instance State Change`: the detail resembles DescribeContainerInstances'."""

    status: str = Field(min_length=1)
    agentConnected: bool | None = None
    clusterArn: str | None = None
    containerInstanceArn: str | None = None
    updatedAt: str | None = None
