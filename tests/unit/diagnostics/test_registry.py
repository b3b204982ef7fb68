from __future__ import annotations

import pkgutil
import types

import pytest

import functions.diagnostics as diagnostics
from functions.diagnostics import CHECKS
from functions.diagnostics.base import CheckSpec
from functions.policy import RUNBOOK
from tests.samples import SAMPLE_SERVICE

HELPERS = {"base"}


def check_modules() -> set[str]:
    return {
        module.name
        for module in pkgutil.iter_modules(diagnostics.__path__)
        if module.name not in HELPERS and not module.name.startswith("_")
    }


def test_every_check_module_is_registered():
    # Given the modules in functions/diagnostics (helpers excluded)
    # Then each one is in the explicit registry under its own name
    assert check_modules() == set(CHECKS)


def test_every_check_a_scenario_names_exists():
    # Given every scenario of the runbook
    named = {(scenario.name, check) for scenario in RUNBOOK.scenarios for check in scenario.checks}
    # Then each check it lists is registered
    assert {(scenario, check) for scenario, check in named if check not in CHECKS} == set()


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_every_check_documents_itself_and_builds_its_params_from_the_policy(name):
    spec = CHECKS[name]
    assert spec.name == name == spec.run.__name__
    assert len(spec.doc) > 80, "the docstring is what a responder reads about this check"
    spec.params_for(SAMPLE_SERVICE)  # the sample service's effective policy gives valid params


def test_a_malformed_check_module_fails_at_registration():
    from functions.diagnostics import rds_instance

    # Given a module whose check has the wrong signature
    module = types.ModuleType("functions.diagnostics.broken")

    def broken(ctx, clients):
        """Says something."""

    module.broken = broken
    module.Params = rds_instance.Params
    module.command = lambda ctx: ""
    module.CLIENTS = ("rds",)
    # When it is registered, Then it fails loudly instead of disappearing
    with pytest.raises(TypeError, match="must be"):
        CheckSpec.of(module)


def test_a_check_using_an_unknown_client_fails_at_registration():
    from functions.diagnostics import rds_instance

    module = types.ModuleType("functions.diagnostics.rds_instance")
    module.__dict__.update({k: getattr(rds_instance, k) for k in ("rds_instance", "Params", "command")})
    module.CLIENTS = ("no_such_client",)
    with pytest.raises(TypeError, match="CLIENTS"):
        CheckSpec.of(module)
