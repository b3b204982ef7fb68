"""Keep explicit DependsOn to what a reference does not already enforce (cfn-lint W3005).

`lambda.Function` and `stepfunctions.StateMachine` call `resource.node.addDependency(role)` in
their constructors. At synth that becomes a DependsOn on every resource under the role: its
DefaultPolicy, which is needed (the function must not be created, and invoked, before its
permissions exist), and the role itself, which the resource already references through
`Fn::GetAtt Role.Arn`. CloudFormation orders on the reference anyway, so that entry is redundant
and cfn-lint warns (W3005), failing any pipeline that runs the linter with its defaults.

The dependency is added inside CDK's constructor and only resolved to resources while the app
is prepared for synthesis, after our code has run, so it cannot be removed directly. Instead the
rendered DependsOn is replaced by a lazy value computed at synthesis from the dependencies CDK
resolved, minus the referenced resource: whatever else CDK or we add later is kept.
"""

from __future__ import annotations

import jsii
from aws_cdk import CfnResource, IStableListProducer, Lazy, Stack
from constructs import IConstruct


@jsii.implements(IStableListProducer)
class _DependsOnWithout:
    def __init__(self, resource: CfnResource, referenced: CfnResource) -> None:
        self._resource = resource
        self._referenced_path = referenced.node.path

    def produce(self) -> list[str]:
        stack = Stack.of(self._resource)
        # jsii hands out a new proxy per call: compare construct paths, not Python objects.
        kept = {
            stack.get_logical_id(dependency)
            for dependency in self._resource.obtain_dependencies()
            if isinstance(dependency, CfnResource) and dependency.node.path != self._referenced_path
        }
        return sorted(kept)


def drop_dependency_enforced_by_reference(construct: IConstruct, referenced: IConstruct) -> None:
    """`construct`'s resource references `referenced`'s (Ref/GetAtt): its DependsOn need not name it too."""
    resource = _resource(construct)
    resource.add_override("DependsOn", Lazy.list(_DependsOnWithout(resource, _resource(referenced))))


def _resource(construct: IConstruct) -> CfnResource:
    resource = construct.node.default_child
    if not isinstance(resource, CfnResource):
        raise TypeError(f"{construct.node.path} has no CloudFormation resource as its default child")
    return resource
