"""One CloudWatch dashboard: each service's runbook metrics, then the responder's own health."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Duration, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra import names
from infra.config import ServiceDeployment
from infra.metrics import ServiceMetrics

FIVE_MINUTES = Duration.minutes(5)


class ResponderDashboard(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        services: Sequence[ServiceDeployment],
        functions: Sequence[lambda_.IFunction],
        queues: Sequence[sqs.IQueue],
        state_machine: sfn.IStateMachine,
        alarms: Sequence[cloudwatch.IAlarm],
        stage: str,
    ) -> None:
        super().__init__(scope, construct_id)
        self._stage = stage
        stack = Stack.of(self)  # dashboards are global to the account: the region keeps two deployments apart
        self.dashboard = cloudwatch.Dashboard(
            self, "Dashboard", dashboard_name=f"{stack.stack_name}-{stack.region}", default_interval=Duration.hours(6)
        )
        for service in services:
            self._service_row(service)
        self._responder_rows(functions, queues, state_machine, alarms)

    def _service_row(self, service: ServiceDeployment) -> None:
        """The service's graphs, for the resources it has."""
        metrics = ServiceMetrics(service, stage=self._stage)
        graphs: list[cloudwatch.GraphWidget] = []
        if service.load_balancer:
            graphs += [
                _graph("Availability (%)", [metrics.availability(FIVE_MINUTES)]),
                _graph("Error rate (%)", [metrics.error_rate(FIVE_MINUTES)]),
                _graph("p99 response time (s)", [metrics.latency_p99(FIVE_MINUTES)]),
            ]
        if service.has("load_balancer", "target_group"):
            graphs.append(_graph("Healthy targets", [metrics.healthy_hosts(Duration.minutes(1))]))
        if service.has("cluster", "ecs_service"):
            graphs.append(_graph("ECS CPU / memory (%)", [metrics.ecs("CPUUtilization", FIVE_MINUTES),
                                                          metrics.ecs("MemoryUtilization", FIVE_MINUTES)]))  # fmt: skip
        if service.db_instance:
            graphs.append(_graph("DB connections", [metrics.db_connections(FIVE_MINUTES)]))
        if service.load_balancer:
            graphs += [
                _graph("Requests", [metrics.requests(FIVE_MINUTES)]),
                _graph("Error-budget burn rate", [metrics.burn_rate(p) for p in (Duration.hours(1), FIVE_MINUTES)]),
            ]
        if not graphs:
            return
        self.dashboard.add_widgets(cloudwatch.TextWidget(markdown=f"## {service.name}", width=24, height=1))
        for row in range(0, len(graphs), 4):
            self.dashboard.add_widgets(*graphs[row : row + 4])

    def _responder_rows(
        self,
        functions: Sequence[lambda_.IFunction],
        queues: Sequence[sqs.IQueue],
        state_machine: sfn.IStateMachine,
        alarms: Sequence[cloudwatch.IAlarm],
    ) -> None:
        intake = cloudwatch.Metric(
            namespace=names.METRICS_NAMESPACE,
            metric_name=names.INTAKE_OPENED_METRIC,
            dimensions_map={"service": names.METRICS_SERVICE},
            statistic="Sum",
            period=Duration.hours(1),
            label="Incidents opened",
        )
        self.dashboard.add_widgets(cloudwatch.TextWidget(markdown="## Runbook Responder", width=24, height=1))
        self.dashboard.add_widgets(
            _graph("Function errors", [f.metric_errors(period=FIVE_MINUTES, label=f.node.id) for f in functions]),
            _graph("Function throttles", [f.metric_throttles(period=FIVE_MINUTES, label=f.node.id) for f in functions]),
            _graph("Function duration p99 (ms)",
                   [f.metric_duration(period=FIVE_MINUTES, statistic="p99", label=f.node.id) for f in functions]),
            _graph("Incidents opened", [intake]),
        )  # fmt: skip
        self.dashboard.add_widgets(
            _graph(
                "Dead-letter queues (messages)",
                [q.metric_approximate_number_of_messages_visible(period=FIVE_MINUTES, label=q.node.id) for q in queues],
            ),
            _graph(
                "Escalations",
                [
                    state_machine.metric_started(period=FIVE_MINUTES, label="started"),
                    state_machine.metric_succeeded(period=FIVE_MINUTES, label="succeeded"),
                    state_machine.metric_failed(period=FIVE_MINUTES, label="failed"),
                ],
            ),
            cloudwatch.AlarmStatusWidget(title="Responder alarms", alarms=list(alarms), width=12, height=6),
        )


def _graph(title: str, metrics: Sequence[cloudwatch.IMetric]) -> cloudwatch.GraphWidget:
    return cloudwatch.GraphWidget(title=title, left=list(metrics), width=6, height=6)
