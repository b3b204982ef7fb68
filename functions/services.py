"""The services the responder watches: the resource names the runbook's commands use."""

from pydantic import BaseModel, ConfigDict, Field, HttpUrl

SERVICE_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9-]{0,39}$"


class ServiceConfig(BaseModel, defer_build=True):
    """One service as the runbook knows it. Defaults are the runbook's own names."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(default="flask-sre-challenge", pattern=SERVICE_NAME_PATTERN)
    load_balancer: str = "flask-sre-challenge-alb"
    target_group: str = "flask-sre-challenge-tg"
    cluster: str = "flask-sre-challenge-cluster"
    ecs_service: str = "flask-sre-challenge-service"
    db_instance: str = "flask-sre-challenge-db"
    log_group: str = "/ecs/flask-sre-challenge"
    namespace: str = "FlaskSREChallenge"
    health_url: HttpUrl | None = None
    synthetic: bool = Field(
        default=False, description="the responder's own daily end-to-end test: every message goes to the ops topic"
    )

    def resource_names(self) -> frozenset[str]:
        """Names that, found in an alarm's dimensions or an event's resources, mean this service."""
        return frozenset(
            {
                self.name,
                self.load_balancer,
                self.target_group,
                self.cluster,
                self.ecs_service,
                self.db_instance,
                self.log_group,
                self.namespace,
            }
        )

    def affected_systems(self, kinds: tuple[str, ...]) -> list[str]:
        labels = {
            "alb": f"ALB target group {self.target_group}",
            "ecs": f"ECS service {self.ecs_service} (cluster {self.cluster})",
            "rds": f"RDS instance {self.db_instance}",
            "logs": f"log group {self.log_group}",
        }
        return [labels[kind] for kind in kinds if kind in labels]


DEFAULT_SERVICES = (ServiceConfig(),)
