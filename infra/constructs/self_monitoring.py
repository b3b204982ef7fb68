"""The responder watches itself; every alarm here goes to the ops topic (never to the intake, so
a broken responder is not asked to report its own breakage).

- each function's Errors and Throttles;
- each dead-letter queue's depth (anything parked needs a human and a redrive);
- the roster the functions read is unusable (pages go out without a name until it is fixed), and
  incident-channel calls to Slack fail (pages go on; the channel misses messages);
- the escalation state machine's ExecutionsFailed and ExecutionsTimedOut;
- the daily synthetic test: EventBridge Scheduler publishes a fake CloudWatch alarm message
  (ALARM, then OK a few minutes later) to the intake topic. It is named `<stack>-synthetic-test`
  and carries the marker `rule=<synthetic_test.rule>` (default `latency-rise`, P2: pages L1 at
  once, never climbs the ladder within the test and resolves itself 15 minutes after the OK, D4)
  for the dedicated service `synthetic_test.service`, so it never joins a real incident.
  Its messages and pages go to the ops topic, never to people on call (the service is marked
  `synthetic`). Two alarms prove the path: the intake's `SyntheticTestOpened` and the escalation
  step's `SyntheticTestPaged` metrics must each appear within 26 hours.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Duration, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as scheduler_targets
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from functions.policy import RUNBOOK
from infra import names
from infra.config import SyntheticTest

SYNTHETIC_WINDOW_HOURS = 26  # a daily test, plus slack for a late or retried delivery


def synthetic_alarm_message(
    *, alarm_name: str, test: SyntheticTest, state: str, account: str, region: str, changed_at: str
) -> dict[str, object]:
    """An SNS message in the CloudWatch alarm layout (the intake reads it like a real alarm)."""
    rule = RUNBOOK.rule(test.rule)
    assert rule is not None  # validated in infra.config
    marker = names.marker(rule.rule, rule.severity.value, rule.scenario, test.service)
    return {
        "AlarmName": alarm_name,
        "AlarmDescription": f"Daily synthetic test of the Runbook Responder (not an outage)\n{marker}",
        "AWSAccountId": account,
        "NewStateValue": state,
        "OldStateValue": "OK" if state == "ALARM" else "ALARM",
        "NewStateReason": f"Synthetic test: scheduled {state} transition",
        "StateChangeTime": changed_at,
        "Region": region,
        "AlarmArn": f"arn:aws:cloudwatch:{region}:{account}:alarm:{alarm_name}",
        "Trigger": {
            "MetricName": "SyntheticTest",
            "Namespace": names.METRICS_NAMESPACE,
            "Statistic": "SUM",
            "Dimensions": [],
            "Period": 60,
            "EvaluationPeriods": 1,
            "ComparisonOperator": "GreaterThanThreshold",
            "Threshold": 0.0,
            "TreatMissingData": "notBreaching",
        },
    }


class SelfMonitoring(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        functions: Sequence[lambda_.IFunction],
        queues: Sequence[sqs.IQueue],
        state_machine: sfn.IStateMachine,
        ops_topic: sns.ITopic,
        intake_topic: sns.ITopic,
        synthetic_test: SyntheticTest,
        schedule_dead_letter_queue: sqs.IQueue,
    ) -> None:
        super().__init__(scope, construct_id)
        self._prefix = Stack.of(self).stack_name
        self._action = actions.SnsAction(ops_topic)
        self.alarms: list[cloudwatch.Alarm] = []
        five_minutes = Duration.minutes(5)
        for function in functions:
            label = function.node.id
            self._alarm(f"{label}-errors", f"{label} function errors", function.metric_errors(period=five_minutes))
            self._alarm(
                f"{label}-throttles",
                f"{label} function throttled (reserved concurrency reached: an alarm storm?)",
                function.metric_throttles(period=five_minutes),
            )
        for queue in queues:
            label = queue.node.id
            self._alarm(
                f"{label}-dlq-depth",
                f"Messages parked on the {label} dead-letter queue: inspect and redrive (docs/deploy.md)",
                queue.metric_approximate_number_of_messages_visible(period=five_minutes, statistic="Maximum"),
            )
        for metric_name, suffix, description in (
            (names.ROSTER_INVALID_METRIC, "roster-invalid",
             "The on-call roster cannot be read: pages go to the level topics without a name (see the logs)"),
            (names.INCIDENT_CHANNEL_FAILED_METRIC, "incident-channel-failed",
             "Slack refused incident-channel calls: pages go on, the channel misses messages (check the bot token)"),
        ):  # fmt: skip
            self._alarm(suffix, description, _responder_metric(metric_name, Duration.minutes(5)))
        self._alarm(
            "escalation-failed",
            "Escalation executions failed: a ladder stopped paging",
            state_machine.metric_failed(period=five_minutes),
        )
        self._alarm(
            "escalation-timed-out",
            "Escalation executions timed out",
            state_machine.metric_timed_out(period=five_minutes),
        )
        self.synthetic_alarm_name = f"{self._prefix}-synthetic-test"
        if synthetic_test.enabled:
            self._synthetic_test(synthetic_test, intake_topic, schedule_dead_letter_queue)

    def _alarm(
        self,
        suffix: str,
        description: str,
        metric: cloudwatch.IMetric,
        *,
        comparison: cloudwatch.ComparisonOperator = cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        threshold: float = 0,
        evaluation_periods: int = 1,
        missing: cloudwatch.TreatMissingData = cloudwatch.TreatMissingData.NOT_BREACHING,
    ) -> cloudwatch.Alarm:
        name = f"{self._prefix}-{suffix}"
        alarm = cloudwatch.Alarm(
            self,
            suffix,
            alarm_name=name,
            alarm_description=description,
            metric=metric,
            threshold=threshold,
            comparison_operator=comparison,
            evaluation_periods=evaluation_periods,
            treat_missing_data=missing,
        )
        alarm.add_alarm_action(self._action)
        alarm.add_ok_action(self._action)
        self.alarms.append(alarm)
        return alarm

    def _synthetic_test(self, test: SyntheticTest, intake_topic: sns.ITopic, dlq: sqs.IQueue) -> None:
        stack = Stack.of(self)
        for state, expression in (("ALARM", test.schedule), ("OK", test.ok_schedule)):
            message = synthetic_alarm_message(
                alarm_name=self.synthetic_alarm_name,
                test=test,
                state=state,
                account=stack.account,
                region=stack.region,
                changed_at=scheduler.ContextAttribute.scheduled_time,
            )
            scheduler.Schedule(
                self,
                f"SyntheticTest{state.title()}",
                description=f"Daily synthetic test of the responder: {state} transition",
                schedule=scheduler.ScheduleExpression.expression(expression),
                target=scheduler_targets.SnsPublish(
                    intake_topic,
                    input=scheduler.ScheduleTargetInput.from_text(stack.to_json_string(message)),
                    dead_letter_queue=dlq,
                    retry_attempts=3,
                    max_event_age=Duration.hours(1),
                ),
            )
        for metric_name, alarm_id, what in (
            (names.SYNTHETIC_OPENED_METRIC, "synthetic-test-no-incident", "opened no incident: the intake path"),
            (names.SYNTHETIC_PAGED_METRIC, "synthetic-test-no-page", "paged nobody: the escalation path"),
        ):
            self._alarm(
                alarm_id,
                f"The daily synthetic test {what} is broken (nothing in {SYNTHETIC_WINDOW_HOURS} h)",
                _responder_metric(metric_name, Duration.hours(1)),
                comparison=cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
                threshold=1,
                evaluation_periods=SYNTHETIC_WINDOW_HOURS,
                missing=cloudwatch.TreatMissingData.BREACHING,
            )


def _responder_metric(name: str, period: Duration) -> cloudwatch.Metric:
    """One of the functions' own metrics (functions/observability.py), summed."""
    return cloudwatch.Metric(
        namespace=names.METRICS_NAMESPACE,
        metric_name=name,
        dimensions_map={"service": names.METRICS_SERVICE},
        statistic="Sum",
        period=period,
    )
