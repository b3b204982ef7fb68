"""The runbook's sample service, as the suite's own config (tests/fixtures/configs/sample.json) defines it."""

from __future__ import annotations

from pathlib import Path

from functions.services import ServiceConfig
from infra.config import load_config

SAMPLE_CONFIG = Path(__file__).resolve().parent / "fixtures" / "configs" / "sample.json"
SAMPLE_SERVICE: ServiceConfig = load_config({"config": str(SAMPLE_CONFIG)}).services[0].runtime()
SAMPLE_SERVICES: tuple[ServiceConfig, ...] = (SAMPLE_SERVICE,)
