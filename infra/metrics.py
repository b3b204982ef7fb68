"""The runbook's metrics for one service, shared by the alarms and the dashboard.

Error rate, availability and burn rate are metric math over the ALB's request count and 5xx
counts (target 5xx + load-balancer 5xx; a missing count means zero):

    errors       = FILL(t5xx, 0) + FILL(e5xx, 0)
    error rate % = 100 * errors / requests
    availability = 100 * (1 - errors / requests)
    burn rate    = (errors / requests) / (1 - SLO)        e.g. SLO 99.9 % → budget 0.1 %

A burn rate of 1 spends exactly the 30-day budget in 30 days; 14.4 spends 2 % of it per hour
(50 % in under 2 days); 6 spends 50 % in 2.5 days. No requests → no datapoint (the division has
no value), which each alarm treats as the policy's `missing_data` says.
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch

from functions.services import resource
from infra.config import ServiceDeployment

ALB = "AWS/ApplicationELB"
DB_CONNECTION_ERRORS = "DatabaseConnectionErrors"
SLOW_QUERY_COUNT = "SlowQueryCount"
CIRCUIT_BREAKER_OPEN = "CircuitBreakerOpen"


def _ids(period: Duration) -> tuple[str, str, str]:
    """Metric ids per period, so one graph can show several windows of the same expression."""
    suffix = f"{int(period.to_seconds())}s"
    return f"t5xx_{suffix}", f"e5xx_{suffix}", f"req_{suffix}"


def _errors_over_requests(period: Duration) -> str:
    t5xx, e5xx, req = _ids(period)
    return f"(FILL({t5xx}, 0) + FILL({e5xx}, 0)) / {req}"


class ServiceMetrics:
    def __init__(self, service: ServiceDeployment, *, stage: str) -> None:
        self.service = service
        self.stage = stage

    def _alb(self, name: str, period: Duration, statistic: str, *, target_group: bool = False) -> cloudwatch.Metric:
        dimensions = {"LoadBalancer": self.service.load_balancer_full_name}
        if target_group:
            dimensions["TargetGroup"] = self.service.target_group_full_name
        return cloudwatch.Metric(
            namespace=ALB, metric_name=name, dimensions_map=dimensions, statistic=statistic, period=period
        )

    def _request_metrics(self, period: Duration) -> dict[str, cloudwatch.IMetric]:
        t5xx, e5xx, req = _ids(period)
        return {
            t5xx: self._alb("HTTPCode_Target_5XX_Count", period, "Sum"),
            e5xx: self._alb("HTTPCode_ELB_5XX_Count", period, "Sum"),
            req: self._alb("RequestCount", period, "Sum"),
        }

    def healthy_hosts(self, period: Duration) -> cloudwatch.Metric:
        return self._alb("HealthyHostCount", period, "Minimum", target_group=True)

    def requests(self, period: Duration) -> cloudwatch.Metric:
        return self._alb("RequestCount", period, "Sum")

    def error_rate(self, period: Duration) -> cloudwatch.MathExpression:
        return cloudwatch.MathExpression(
            expression=f"100 * {_errors_over_requests(period)}",
            using_metrics=self._request_metrics(period),
            label="Error rate (%)",
            period=period,
        )

    def availability(self, period: Duration) -> cloudwatch.MathExpression:
        return cloudwatch.MathExpression(
            expression=f"100 * (1 - {_errors_over_requests(period)})",
            using_metrics=self._request_metrics(period),
            label="Availability (%)",
            period=period,
        )

    def burn_rate(self, period: Duration) -> cloudwatch.MathExpression:
        budget = round(100 - self.service.slo_target_percent, 6)
        return cloudwatch.MathExpression(
            expression=f"100 * {_errors_over_requests(period)} / {budget}",
            using_metrics=self._request_metrics(period),
            label=f"Burn rate (SLO {self.service.slo_target_percent}%)",
            period=period,
        )

    def latency_p99(self, period: Duration) -> cloudwatch.Metric:
        return self._alb("TargetResponseTime", period, "p99")

    def ecs(self, name: str, period: Duration) -> cloudwatch.Metric:
        return cloudwatch.Metric(
            namespace="AWS/ECS",
            metric_name=name,
            dimensions_map={
                "ClusterName": resource(self.service.cluster, "cluster"),
                "ServiceName": resource(self.service.ecs_service, "ecs_service"),
            },
            statistic="Average",
            period=period,
        )

    def db_connections(self, period: Duration) -> cloudwatch.Metric:
        return cloudwatch.Metric(
            namespace="AWS/RDS",
            metric_name="DatabaseConnections",
            dimensions_map={"DBInstanceIdentifier": resource(self.service.db_instance, "db_instance")},
            statistic="Maximum",
            period=period,
        )

    @property
    def log_namespace(self) -> str:
        """Where the stack's log metric filters publish: under the service's namespace, else one of the
        responder's, one per stage so that another stage's log lines never trip this one's alarms. The metric
        names stay the runbook's (the classifier's hints); the namespace still names the service."""
        return f"{self.service.namespace or f'RunbookResponder/{self.service.name}'}/{self.stage}"

    def logged(self, name: str, period: Duration) -> cloudwatch.Metric:
        """A count from the stack's own log metric filters."""
        return cloudwatch.Metric(namespace=self.log_namespace, metric_name=name, statistic="Sum", period=period)

    def custom(self, name: str, period: Duration, statistic: str = "Sum") -> cloudwatch.Metric:
        """A metric the application publishes in its own namespace (the circuit breaker)."""
        namespace = resource(self.service.namespace, "namespace")
        return cloudwatch.Metric(namespace=namespace, metric_name=name, statistic=statistic, period=period)
