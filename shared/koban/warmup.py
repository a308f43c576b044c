"""Work done before a SnapStart snapshot, so that restored functions start with it already done.

Lambda runs a SnapStart function's initialisation once, snapshots it, and restores the snapshot on every
cold start. Anything created then (boto3 clients, the plugin manager, tenants, taxonomies, compiled rules)
costs nothing later. Lambda marks that initialisation with AWS_LAMBDA_INITIALIZATION_TYPE=snap-start; in every
other home this module does nothing, and clients stay lazy.
"""

from __future__ import annotations

import os

from koban.observability import logger

SNAPSTART_INITIALISATION = "snap-start"


def is_snapshot_initialisation() -> bool:
    return os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") == SNAPSTART_INITIALISATION


def warm_up(services: tuple[str, ...]) -> None:
    """Create the AWS clients a function uses and load everything its tenants define."""
    from koban import aws
    from koban.rules import compile_rule
    from koban.tenants.service import list_categories, list_tenants, tenant_rules

    for service in services:
        aws.client(service)
    for tenant in list_tenants():
        list_categories(tenant)
        for rule in tenant_rules(tenant).values():
            compile_rule(rule)
    logger.info("warmed up before the snapshot", extra={"services": services})


def warm_up_for_snapshot(services: tuple[str, ...] = ("dynamodb", "s3")) -> bool:
    """Warm up when this is a SnapStart initialisation; return whether it did."""
    if not is_snapshot_initialisation():
        return False
    warm_up(services)
    return True
