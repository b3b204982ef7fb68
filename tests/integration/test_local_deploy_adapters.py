"""The local deploy's moto adapters keep the template as AWS reads it, and fix only moto's reading."""

from __future__ import annotations

from moto import mock_aws

from local.deploy import _patch_moto_ssm_tags


def test_an_ssm_parameter_tagged_the_way_cloudformation_writes_it_deploys_with_its_tags(monkeypatch):
    # Given moto's SSM backend, which reads Key/Value tag items, and the adapter
    from moto.ssm.models import SimpleSystemManagerBackend, ssm_backends

    monkeypatch.setattr(SimpleSystemManagerBackend, "put_parameter", SimpleSystemManagerBackend.put_parameter)
    _patch_moto_ssm_tags()
    with mock_aws():
        backend = ssm_backends["123456789012"]["us-east-1"]
        # When CloudFormation's map of tags reaches it (AWS::SSM::Parameter Tags is a JSON object)
        backend.put_parameter(name="/stack/roster", description="", value="{}", parameter_type="String",
                              allowed_pattern="", keyid="", overwrite=False, tags={"project": "runbook-responder"},
                              data_type="text", tier=None, policies=None)  # fmt: skip
        # Then the parameter exists with that tag
        assert backend.list_tags_for_resource("Parameter", "/stack/roster") == {"project": "runbook-responder"}
