"""A local world for the runbook's service, healthy or broken the way each scenario breaks it.

`seed_world` runs inside an active in-process moto (`mock_aws`) and creates, through the AWS API,
what the diagnostics read: VPC and subnets, the ALB and its target group with targets, the ECS
cluster/service/task definitions (two revisions) and tasks, the RDS instance, the log group with
log lines and CloudWatch datapoints. Where moto cannot represent a state (unhealthy targets, ECS
counts/events, stopped-task details, RDS `storage-full`, percentiles) `local.seed_moto` sets it on
moto's backend objects. A tiny HTTP server stands in for the health endpoint.

    overrides = seed_world(clients, service, "service-down", now)
    service = with_overrides(service, overrides)   # health_url now points at the local endpoint

With several services, `seed_services` seeds each one's own resources, healthy, and breaks only the
one the alarm names.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from functions.aws import AwsClients
from functions.policy import RUNBOOK
from functions.services import ServiceConfig
from local import seed_moto
from local.seed_health import serve_health

MINUTE = 60
GIB = 1024**3

Lines = tuple[tuple[str, int], ...]  # (log line, how many times in the last hour)


@dataclass(frozen=True)
class Scene:
    """What one scenario looks like from the diagnostics' side. Defaults are a healthy service."""

    deployed_minutes_ago: float = 2 * 24 * 60
    rollout: str = "COMPLETED"
    rolled_back: bool = False  # the circuit breaker failed the deployment and is rolling back to the previous one
    deployment_id: str = "ecs-svc/4107372902133469811"
    desired: int = 2
    running: int = 2
    failed_tasks: int = 0
    target_states: tuple[seed_moto.TargetState, ...] = ()  # one per target; empty = all healthy
    stopped: tuple[tuple[str, str, int | None, str | None], ...] = ()  # reason, stop code, exit, detail
    events: tuple[str, ...] = ("has reached a steady state.",)
    db_status: str = "available"
    health: tuple[int, str] = (200, '{"status": "healthy", "database": "connected"}')
    error_lines: Lines = (("ERROR app: favicon.ico requested by 10.0.1.77 not found", 2),)
    latency_p99: tuple[float, float] = (0.32, 0.30)  # seconds: last 15 min, the 15 min before
    error_pct: tuple[float, float] = (0.2, 0.2)  # 5xx %: last 15 min, the 45 min before
    elb_5xx: bool = False  # 5xx answered by the ALB itself (no healthy target)
    requests_per_minute: int = 1200
    ecs_cpu: float = 34.0
    ecs_memory: float = 48.0
    db_connections: float = 18
    db_cpu: float = 22.0
    db_latency_ms: tuple[float, float] = (1.8, 2.6)  # read, write
    db_free_gib: float = 14.0
    info_lines: tuple[str, ...] = (
        'INFO werkzeug: 10.0.1.77 - - "GET /api/users HTTP/1.1" 200 -',
        'INFO werkzeug: 10.0.2.31 - - "GET /health HTTP/1.1" 200 -',
    )


SCENES: dict[str | None, Scene] = {
    None: Scene(),
    "service-down": Scene(
        deployed_minutes_ago=4,
        rollout="IN_PROGRESS",
        running=0,
        failed_tasks=3,
        target_states=(
            ("unhealthy", "Target.FailedHealthChecks", "Health checks failed"),
            ("draining", "Target.DeregistrationInProgress", "Target deregistration is in progress"),
        ),
        stopped=(
            ("Task failed ELB health checks in (target-group {tg})", "ServiceSchedulerInitiated", 1, None),
            ("Essential container in task exited", "EssentialContainerExited", 1, None),
            ("Essential container in task exited", "EssentialContainerExited", 1, None),
        ),
        events=(
            "(task {task}) failed container health checks.",
            "has stopped 1 running tasks: (task {task}).",
            "deregistered 1 targets in (target-group {tg})",
            "has started 2 tasks: (task {task}).",
        ),
        health=(503, '{"message": "Service Unavailable"}'),
        error_lines=(
            ("ERROR gunicorn.error: Exception in worker process: KeyError: 'DATABASE_URL'", 24),
            ("ERROR gunicorn.error: Worker (pid:{n}) exited with code 3", 24),
            ("ERROR gunicorn.error: Reason: Worker failed to boot.", 12),
        ),
        error_pct=(100.0, 0.2),
        elb_5xx=True,
        ecs_cpu=0.0,
        ecs_memory=0.0,
    ),
    "high-error-rate": Scene(
        deployed_minutes_ago=12,
        error_lines=(
            (
                "ERROR api.users: unhandled exception on GET /api/users/{n}: AttributeError: "
                "'NoneType' object has no attribute 'email'",
                64,
            ),
            ("ERROR api.orders: upstream payments returned 502 for order {n} (request {hex})", 21),
            ("ERROR sqlalchemy.pool: timeout after {n} ms waiting for a connection", 9),
        ),
        error_pct=(7.5, 0.3),
        ecs_cpu=58.0,
    ),
    "performance-degradation": Scene(
        deployed_minutes_ago=25,
        latency_p99=(3.4, 0.35),
        error_lines=(("ERROR api.reports: query took {n} ms, over the 3000 ms budget (report {n})", 6),),
        ecs_cpu=61.0,
        db_cpu=88.0,
        db_connections=64,
        db_latency_ms=(46.0, 12.0),
    ),
    "database": Scene(
        deployed_minutes_ago=18,
        db_status="storage-full",
        health=(200, '{"status": "degraded", "database": "unreachable"}'),
        error_lines=(
            (
                'ERROR app.db: (psycopg2.errors.DiskFull) could not extend file "base/16384/{n}": '
                "No space left on device",
                42,
            ),
            (
                'ERROR app.db: (psycopg2.OperationalError) connection to server at "{db}" ({ip}), port 5432 '
                "failed: Connection refused",
                30,
            ),
            ("ERROR app.db: QueuePool limit of size 5 overflow 10 reached, connection timed out, timeout {n}.00", 15),
        ),
        error_pct=(9.0, 0.2),
        db_connections=95,
        db_latency_ms=(8.0, 180.0),
        db_free_gib=0.04,
    ),
    "resource-pressure": Scene(
        deployed_minutes_ago=20,
        failed_tasks=2,
        stopped=(
            (
                "Essential container in task exited",
                "EssentialContainerExited",
                137,
                "OutOfMemoryError: Container killed due to memory usage",
            ),
            (
                "Essential container in task exited",
                "EssentialContainerExited",
                137,
                "OutOfMemoryError: Container killed due to memory usage",
            ),
        ),
        events=("has started 1 tasks: (task {task}).", "has started 1 tasks: (task {task})."),
        latency_p99=(1.6, 0.3),
        error_lines=(("ERROR gunicorn.error: WORKER TIMEOUT (pid:{n})", 14),),
        ecs_cpu=94.0,
        ecs_memory=91.0,
    ),
    "circuit-breaker": Scene(
        deployed_minutes_ago=9,
        error_lines=(
            (
                "ERROR app.clients.payments: ConnectTimeout: HTTPSConnectionPool(host='payments.internal', "
                "port=443): Max retries exceeded with url: /v1/charges/{hex}",
                45,
            ),
            (
                "ERROR app.clients.payments: circuit breaker 'payments-api' OPEN after 5 consecutive "
                "failures; shedding calls for 30 s",
                20,
            ),
        ),
        error_pct=(3.1, 0.2),
    ),
    "deployment": Scene(  # events/deployment.ecs.*.json: revision 2 failed its circuit breaker, rolling back to 1
        deployed_minutes_ago=7,
        rollout="FAILED",
        rolled_back=True,
        deployment_id="ecs-svc/4938517620394817261",
        failed_tasks=3,
        stopped=(
            ("Essential container in task exited", "EssentialContainerExited", 3, None),
            ("Essential container in task exited", "EssentialContainerExited", 3, None),
            ("Essential container in task exited", "EssentialContainerExited", 3, None),
        ),
        events=(
            "(deployment ecs-svc/4938517620394817261) deployment failed: tasks failed to start.",
            "rolling back to deployment ecs-svc/7730192845561230987.",
            "has started 2 tasks: (task {task}).",
        ),
        error_lines=(
            ("ERROR gunicorn.error: Exception in worker process: ModuleNotFoundError: No module named 'flask_cors'", 9),
            ("ERROR gunicorn.error: Worker failed to boot.", 9),
        ),
    ),
    "error-budget": Scene(
        deployed_minutes_ago=35,
        error_lines=(
            ("ERROR api.search: search backend timed out after {n} ms (query {hex})", 80),
            ("ERROR api.search: unhandled exception on GET /api/search: TimeoutError", 35),
        ),
        error_pct=(16.0, 15.0),
        ecs_cpu=66.0,
    ),
}


def seed_world(
    clients: AwsClients, service: ServiceConfig, scenario: str | None, now: datetime, *, serve: bool = True
) -> dict[str, Any]:
    """Create the service's resources in the active moto, healthy (`None`) or broken as `scenario`.

    Runbook scenarios with nothing to break (config-change, maintenance, unclassified, ...) get the
    healthy world; a name the runbook does not know raises ValueError.

    Returns overrides for the ServiceConfig: {"health_url": ...} when `serve` started a local health
    endpoint (stop it with `local.seed_health.stop_health_servers()`), else {}.
    """
    if scenario in SCENES:
        scene = SCENES[scenario]
    elif scenario in {known.name for known in RUNBOOK.scenarios}:
        scene = SCENES[None]  # config-change / maintenance / unclassified ...: nothing broken to stage
    else:
        raise ValueError(f"no local world for scenario {scenario!r}; known: {sorted(map(str, SCENES))}")
    now = now.astimezone(UTC)
    world = _World(clients, service, scene, now)
    world.network()
    world.load_balancer()
    world.ecs()
    world.database()
    world.logs()
    world.metrics()
    if not serve:
        return {}
    status, body = scene.health
    return {"health_url": serve_health(status, body)}


def seed_services(
    clients: AwsClients, services: Sequence[ServiceConfig], now: datetime, *, broken: str | None, scenario: str | None
) -> tuple[ServiceConfig, ...]:
    """Every configured service's world, healthy, but the `broken` service's, broken as `scenario`.

    The services come back with seed_world's overrides applied: a service with a `health_url` gets a
    local endpoint in its place; the synthetic test's service has no resources, so nothing is seeded for it.
    """

    def seeded(service: ServiceConfig) -> ServiceConfig:
        story = scenario if service.name == broken else None
        return with_overrides(service, seed_world(clients, service, story, now, serve=service.health_url is not None))

    return tuple(service if service.synthetic else seeded(service) for service in services)


def with_overrides(service: ServiceConfig, overrides: dict[str, Any]) -> ServiceConfig:
    """The ServiceConfig with seed_world's overrides applied (validated like any configuration)."""
    return ServiceConfig.model_validate(service.model_dump() | overrides)


class _World:
    def __init__(self, clients: AwsClients, service: ServiceConfig, scene: Scene, now: datetime) -> None:
        self.clients = clients
        self.service = service
        self.scene = scene
        self.now = now
        self.region: str = clients.ecs.meta.region_name
        self.account: str = clients.client("sts").get_caller_identity()["Account"]
        self.subnets: list[str] = []
        self.security_group = ""
        self.target_group_arn = ""
        self.load_balancer_dimension = ""
        self.task_ips: list[str] = []

    # -- network and load balancer ------------------------------------------------------------
    def network(self) -> None:
        ec2 = self.clients.client("ec2")
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})  # Fargate task ENIs
        for index, zone in enumerate(("a", "b")):
            subnet = ec2.create_subnet(
                VpcId=vpc, CidrBlock=f"10.0.{index + 1}.0/24", AvailabilityZone=f"{self.region}{zone}"
            )["Subnet"]["SubnetId"]
            self.subnets.append(subnet)
        self.security_group = ec2.create_security_group(
            GroupName=f"{self.service.name}-tasks", Description="service tasks", VpcId=vpc
        )["GroupId"]
        self.vpc = vpc

    def load_balancer(self) -> None:
        """The service's ALB and target group, those it has; the listener when it has both."""
        elbv2, name, group = self.clients.elbv2, self.service.load_balancer, self.service.target_group
        if name:
            lb = elbv2.create_load_balancer(
                Name=name,
                Subnets=self.subnets,
                SecurityGroups=[self.security_group],
                Scheme="internet-facing",
                Type="application",
            )["LoadBalancers"][0]
            self.load_balancer_dimension = lb["LoadBalancerArn"].split(":loadbalancer/", 1)[1]
        if not group:
            return
        self.target_group_arn = elbv2.create_target_group(
            Name=group,
            Protocol="HTTP",
            Port=5000,
            VpcId=self.vpc,
            TargetType="ip",
            HealthCheckPath="/health",
            HealthCheckIntervalSeconds=15,
            HealthyThresholdCount=2,
            UnhealthyThresholdCount=2,
        )["TargetGroups"][0]["TargetGroupArn"]
        if not name:
            return
        elbv2.create_listener(
            LoadBalancerArn=lb["LoadBalancerArn"],
            Protocol="HTTP",
            Port=80,
            DefaultActions=[{"Type": "forward", "TargetGroupArn": self.target_group_arn}],
        )

    # -- ECS ------------------------------------------------------------------------------------
    def ecs(self) -> None:
        ecs, svc, scene = self.clients.ecs, self.service, self.scene
        cluster, ecs_service = svc.cluster, svc.ecs_service
        if not cluster or not ecs_service:
            return
        if not ecs.describe_clusters(clusters=[cluster])["clusters"]:  # services may share a cluster
            ecs.create_cluster(clusterName=cluster)
        deployed_at = self.now - timedelta(minutes=scene.deployed_minutes_ago)
        arns = []
        for revision, (tag, registered) in enumerate(
            (("v1.4.1", self.now - timedelta(days=9)), ("v1.5.0", deployed_at - timedelta(minutes=3))),
            start=1,
        ):
            definition = ecs.register_task_definition(
                family=svc.name,
                networkMode="awsvpc",
                requiresCompatibilities=["FARGATE"],
                cpu="512",
                memory="1024",
                containerDefinitions=[
                    {
                        "name": "app",
                        "image": f"123456789012.dkr.ecr.{self.region}.amazonaws.com/{svc.name}:{tag}",
                        "essential": True,
                        "cpu": 512,
                        "memory": 1024,
                        "portMappings": [{"containerPort": 5000}],
                        **self._log_configuration(),
                    }
                ],
            )["taskDefinition"]
            seed_moto.set_registered_at(self.account, self.region, svc.name, revision, registered)
            arns.append(definition["taskDefinitionArn"])
        previous, current = arns
        network = {
            "awsvpcConfiguration": {
                "subnets": self.subnets,
                "securityGroups": [self.security_group],
                "assignPublicIp": "DISABLED",
            }
        }
        balanced = [{"targetGroupArn": self.target_group_arn, "containerName": "app", "containerPort": 5000}]
        ecs.create_service(
            cluster=cluster,
            serviceName=ecs_service,
            taskDefinition=current,
            desiredCount=scene.desired,
            launchType="FARGATE",
            networkConfiguration=network,
            loadBalancers=balanced if self.target_group_arn else [],
        )
        deployment_id = scene.deployment_id
        rollback_id = "ecs-svc/7730192845561230987"
        serving, serving_id = (previous, rollback_id) if scene.rolled_back else (current, deployment_id)
        running = [self._run_task(serving, serving_id, network) for _ in range(scene.running)]
        stopped = [self._run_task(current, deployment_id, network) for _ in scene.stopped]
        for minutes, (task, (reason, code, exit_code, detail)) in enumerate(
            zip(stopped, scene.stopped, strict=True), start=1
        ):
            ecs.stop_task(
                cluster=svc.cluster, task=task["taskArn"], reason=reason.format(tg=self.target_group_arn.split(":")[-1])
            )
            seed_moto.set_task_stopped(
                self.account,
                self.region,
                cluster,
                task["taskArn"],
                stopped_at=self.now - timedelta(minutes=minutes),
                stop_code=code,
                exit_code=exit_code,
                container_reason=detail,
            )
        self._register_targets(running + stopped[: len(scene.target_states)])

        primary = {
            "id": deployment_id,
            "status": "PRIMARY",
            "taskDefinition": current,
            "desiredCount": scene.desired,
            "pendingCount": scene.desired - scene.running,
            "runningCount": scene.running,
            "failedTasks": scene.failed_tasks,
            "launchType": "FARGATE",
            "createdAt": deployed_at,
            "updatedAt": self.now - timedelta(minutes=1),
            "rolloutState": scene.rollout,
            "rolloutStateReason": f"ECS deployment {deployment_id} {scene.rollout.lower().replace('_', ' ')}.",
        }
        deployments = [primary]
        if scene.rolled_back:  # the rollback is the PRIMARY now; the failed one drains beside it
            primary |= {"status": "ACTIVE", "desiredCount": 0, "pendingCount": 0, "runningCount": 0}
            rollback = {
                "id": rollback_id,
                "status": "PRIMARY",
                "taskDefinition": previous,
                "desiredCount": scene.desired,
                "pendingCount": scene.desired - scene.running,
                "runningCount": scene.running,
                "failedTasks": 0,
                "launchType": "FARGATE",
                "createdAt": self.now - timedelta(minutes=1),
                "updatedAt": self.now,
                "rolloutState": "IN_PROGRESS",
                "rolloutStateReason": f"ECS deployment circuit breaker: rolling back to deploymentId {rollback_id}.",
            }
            deployments = [rollback, primary]
        elif scene.rollout == "IN_PROGRESS":  # the old deployment is still being drained
            deployments.append(
                {
                    "id": "ecs-svc/2267705919313524101",
                    "status": "ACTIVE",
                    "taskDefinition": previous,
                    "desiredCount": 0,
                    "pendingCount": 0,
                    "runningCount": 0,
                    "failedTasks": 0,
                    "launchType": "FARGATE",
                    "createdAt": self.now - timedelta(days=9),
                    "updatedAt": deployed_at,
                    "rolloutState": "COMPLETED",
                    "rolloutStateReason": "ECS deployment ecs-svc/2267705919313524101 completed.",
                }
            )
        task_ids = [t["taskArn"].rsplit("/", 1)[-1] for t in stopped + running] or ["0" * 32]
        events = [
            {
                "id": f"event-{index}",
                "createdAt": self.now - timedelta(minutes=index + 1),
                "message": f"(service {svc.ecs_service}) "
                + text.format(task=task_ids[index % len(task_ids)], tg=self.target_group_arn.split(":")[-1]),
            }
            for index, text in enumerate(scene.events)
        ]
        seed_moto.set_service_state(
            self.account,
            self.region,
            cluster,
            ecs_service,
            running=scene.running,
            pending=scene.desired - scene.running,
            task_definition_arn=serving,
            deployments=deployments,
            events=events,
        )

    def _log_configuration(self) -> dict[str, Any]:
        if not self.service.log_group:
            return {}
        group, region = self.service.log_group, self.region
        options = {"awslogs-group": group, "awslogs-region": region, "awslogs-stream-prefix": "app"}
        return {"logConfiguration": {"logDriver": "awslogs", "options": options}}

    def _run_task(self, task_definition: str, deployment_id: str, network: dict[str, Any]) -> dict[str, Any]:
        task: dict[str, Any] = self.clients.ecs.run_task(
            cluster=self.service.cluster,
            taskDefinition=task_definition,
            launchType="FARGATE",
            count=1,
            startedBy=deployment_id,
            group=f"service:{self.service.ecs_service}",
            networkConfiguration=network,
        )["tasks"][0]
        return task

    def _register_targets(self, tasks: Sequence[dict[str, Any]]) -> None:
        ips = [_task_ip(task) or f"10.0.1.{10 + index}" for index, task in enumerate(tasks)]
        if not ips or not self.target_group_arn:
            return
        self.clients.elbv2.register_targets(
            TargetGroupArn=self.target_group_arn, Targets=[{"Id": ip, "Port": 5000} for ip in ips]
        )
        if self.scene.target_states:
            seed_moto.set_target_health(
                self.account,
                self.region,
                self.target_group_arn,
                dict(zip(ips[-len(self.scene.target_states) :], self.scene.target_states, strict=True)),
            )

    # -- RDS ------------------------------------------------------------------------------------
    def database(self) -> None:
        db_instance = self.service.db_instance
        if not db_instance:
            return
        self.clients.rds.create_db_instance(
            DBInstanceIdentifier=db_instance,
            DBInstanceClass="db.t3.micro",
            Engine="postgres",
            EngineVersion="15.4",
            MasterUsername="flask",
            MasterUserPassword="local-only-password",
            AllocatedStorage=20,
            MultiAZ=False,
            StorageType="gp3",
        )
        if self.scene.db_status == "stopped":
            self.clients.rds.stop_db_instance(DBInstanceIdentifier=db_instance)
        elif self.scene.db_status != "available":
            seed_moto.set_db_status(self.account, self.region, db_instance, self.scene.db_status)

    # -- logs -----------------------------------------------------------------------------------
    def logs(self) -> None:
        logs, group = self.clients.logs, self.service.log_group
        if not group:
            return
        existing = logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]
        if not any(found["logGroupName"] == group for found in existing):  # services may share one
            logs.create_log_group(logGroupName=group)
        stream = f"app/app/{hashlib.md5(self.service.name.encode()).hexdigest()}"
        logs.create_log_stream(logGroupName=group, logStreamName=stream)
        lines = list(self._log_lines())
        for start in range(0, len(lines), 500):
            logs.put_log_events(
                logGroupName=group,
                logStreamName=stream,
                logEvents=[{"timestamp": ts, "message": m} for ts, m in lines[start : start + 500]],
            )

    def _log_lines(self) -> Iterator[tuple[int, str]]:
        """Every scene line spread over the last 55 minutes, with INFO lines between, oldest first."""
        events: list[tuple[int, str]] = []
        for template_index, (template, count) in enumerate(self.scene.error_lines):
            for n in range(count):
                at = self.now - timedelta(seconds=30 + (n * 3300 // max(count, 1)) + template_index)
                events.append((_millis(at), self._fill(template, n)))
        for minute in range(55):
            for index, line in enumerate(self.scene.info_lines):
                events.append((_millis(self.now - timedelta(minutes=minute, seconds=5 + index)), line))
        yield from sorted(events)

    def _fill(self, template: str, n: int) -> str:
        stamp = (self.now - timedelta(minutes=n)).strftime("%Y-%m-%d %H:%M:%S,%f")[:-3]
        return f"[{stamp}] " + template.format(
            n=1000 + 37 * n,
            hex=f"{0x5F3A9C2E1B4D + 7919 * n:x}",
            db=f"{self.service.db_instance or self.service.name + '-db'}.c9akciq32.rds.amazonaws.com",
            ip=f"10.0.2.{15 + n % 3}",
        )

    # -- CloudWatch -----------------------------------------------------------------------------
    def metrics(self) -> None:
        seed_moto.enable_percentiles()
        scene, svc = self.scene, self.service
        minute0 = self.now.replace(second=0, microsecond=0)
        data: list[tuple[str, dict[str, Any]]] = []
        alb = [{"Name": "LoadBalancer", "Value": self.load_balancer_dimension}]
        for minute in range(60 if self.load_balancer_dimension else 0):
            at = minute0 - timedelta(minutes=minute)
            recent = minute < 15
            error_pct = scene.error_pct[0 if recent else 1]
            requests = scene.requests_per_minute
            errors = round(requests * error_pct / 100)
            if scene.elb_5xx and recent:
                data.append(("AWS/ApplicationELB", _datum("HTTPCode_ELB_5XX_Count", alb, at, errors, "Count")))
                data.append(("AWS/ApplicationELB", _datum("RequestCount", alb, at, requests, "Count")))
            else:
                data.append(("AWS/ApplicationELB", _datum("RequestCount", alb, at, requests, "Count")))
                data.append(("AWS/ApplicationELB", _datum("HTTPCode_Target_5XX_Count", alb, at, errors, "Count")))
            if minute < 30 and not (scene.elb_5xx and recent):
                p99 = scene.latency_p99[0 if recent else 1]
                # 20 requests a minute sampled: most near the median, the slowest at the p99.
                for sample in [p99 * 0.25] * 17 + [p99 * 0.6, p99, p99]:
                    data.append(("AWS/ApplicationELB", _datum("TargetResponseTime", alb, at, sample, "Seconds")))
        for minute in range(15):
            at = minute0 - timedelta(minutes=minute)
            if svc.cluster and svc.ecs_service and scene.running:
                ecs_dims = [
                    {"Name": "ClusterName", "Value": svc.cluster},
                    {"Name": "ServiceName", "Value": svc.ecs_service},
                ]
                data.append(("AWS/ECS", _datum("CPUUtilization", ecs_dims, at, scene.ecs_cpu, "Percent")))
                data.append(("AWS/ECS", _datum("MemoryUtilization", ecs_dims, at, scene.ecs_memory, "Percent")))
            if svc.db_instance:
                db = [{"Name": "DBInstanceIdentifier", "Value": svc.db_instance}]
                read_ms, write_ms = scene.db_latency_ms
                for name, value, unit in (
                    ("DatabaseConnections", scene.db_connections, "Count"),
                    ("CPUUtilization", scene.db_cpu, "Percent"),
                    ("ReadLatency", read_ms / 1000, "Seconds"),
                    ("WriteLatency", write_ms / 1000, "Seconds"),
                    ("FreeStorageSpace", scene.db_free_gib * GIB, "Bytes"),
                ):
                    data.append(("AWS/RDS", _datum(name, db, at, value, unit)))
        by_namespace: dict[str, list[dict[str, Any]]] = {}
        for namespace, datum in data:
            by_namespace.setdefault(namespace, []).append(datum)
        for namespace, datums in by_namespace.items():
            for start in range(0, len(datums), 1000):
                self.clients.cloudwatch.put_metric_data(Namespace=namespace, MetricData=datums[start : start + 1000])


def _datum(name: str, dimensions: list[dict[str, str]], at: datetime, value: float, unit: str) -> dict[str, Any]:
    return {"MetricName": name, "Dimensions": dimensions, "Timestamp": at, "Value": float(value), "Unit": unit}


def _task_ip(task: dict[str, Any]) -> str | None:
    for attachment in task.get("attachments", []):
        for detail in attachment.get("details", []):
            if detail.get("name") == "privateIPv4Address":
                return str(detail["value"])
    return None


def _millis(at: datetime) -> int:
    return int(at.timestamp() * 1000)
