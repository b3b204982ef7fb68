"""CDK's local bundling of the Lambda asset (infra/asset.py builds it), and the runtime it is built for.

Unit tests skip bundling with the context `{"aws:cdk:bundling-stacks": []}`.
"""

from __future__ import annotations

from pathlib import Path

import jsii
from aws_cdk import AssetHashType, BundlingOptions, DockerImage, ILocalBundling
from aws_cdk import aws_lambda as lambda_

from infra.asset import EXCLUDE, FUNCTIONS_DIR, build
from infra.wheelhouse import PYTHON_VERSION

# The runtime the wheels and the byte-code are built for: CPython PYTHON_VERSION (infra/lambda_python.py).
RUNTIME = lambda_.Runtime.PYTHON_3_13


@jsii.implements(ILocalBundling)
class LocalPythonBundling:
    def __init__(self, platform: str) -> None:
        self._platform = platform

    def try_bundle(self, output_dir: str, *, image: DockerImage, **_: object) -> bool:
        build(Path(output_dir), self._platform)
        return True


def platform_for(architecture: lambda_.Architecture) -> str:
    machine = "aarch64" if architecture.name == lambda_.Architecture.ARM_64.name else "x86_64"
    return f"manylinux2014_{machine}"


def function_code(architecture: lambda_.Architecture) -> lambda_.Code:
    """One asset for every function (handlers differ only by their handler string)."""
    return lambda_.Code.from_asset(
        str(FUNCTIONS_DIR),
        exclude=EXCLUDE,
        asset_hash_type=AssetHashType.OUTPUT,
        bundling=BundlingOptions(
            # Never pulled: the local bundling succeeds first. Required by the API.
            image=DockerImage.from_registry(f"public.ecr.aws/sam/build-python{PYTHON_VERSION}"),
            local=LocalPythonBundling(platform_for(architecture)),
        ),
    )
