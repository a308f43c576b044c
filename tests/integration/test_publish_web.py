"""`make deploy` publishes the built pages: uploaded with the right caching, stale files removed, pages invalidated."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from koban_local.publish_web import ASSET_CACHE, PAGE_CACHE, WebTarget, built_files, publish, stack_target

REGION = "eu-west-1"


@pytest.fixture
def aws() -> Iterator[tuple[Any, Any, WebTarget]]:
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket="koban-web", CreateBucketConfiguration={"LocationConstraint": REGION})
        cloudfront = boto3.client("cloudfront", region_name=REGION)
        distribution = cloudfront.create_distribution(
            DistributionConfig={
                "CallerReference": "test",
                "Comment": "",
                "Enabled": True,
                "Origins": {"Quantity": 1, "Items": [{"Id": "pages", "DomainName": "koban-web.s3.amazonaws.com"}]},
                "DefaultCacheBehavior": {"TargetOriginId": "pages", "ViewerProtocolPolicy": "redirect-to-https"},
            }
        )["Distribution"]
        yield s3, cloudfront, WebTarget("koban-web", distribution["Id"])


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    files = {
        "dashboard/index.html": "<!doctype html>",
        "dashboard/main-3F2A.js": "console.log(1)",
        "dashboard/main-3F2A.js.map": "{}",
        "public/index.html": "<!doctype html>",
        "public/main-9B1C.css": "body{}",
        "app/index.html": "<!doctype html>",
        "app/sw.js": "self.addEventListener('fetch', () => {})",
        ".built": "",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return tmp_path


def test_publish_uploads_pages_uncached_and_assets_immutable(aws: tuple[Any, Any, WebTarget], dist: Path) -> None:
    # Given a build and a bucket that still holds a file of the previous release
    s3, cloudfront, target = aws
    s3.put_object(Bucket=target.bucket, Key="dashboard/main-OLD.js", Body=b"old")

    # When it is published
    published = publish(s3, cloudfront, dist, target)

    # Then every built file is there with its type and caching, maps and stamps stay home, the old file is gone
    keys = sorted(item["Key"] for item in s3.list_objects_v2(Bucket=target.bucket)["Contents"])
    assert keys == [
        "app/index.html",
        "app/sw.js",
        "dashboard/index.html",
        "dashboard/main-3F2A.js",
        "public/index.html",
        "public/main-9B1C.css",
    ]
    page = s3.head_object(Bucket=target.bucket, Key="dashboard/index.html")
    assert (page["CacheControl"], page["ContentType"]) == (PAGE_CACHE, "text/html; charset=utf-8")
    script = s3.head_object(Bucket=target.bucket, Key="dashboard/main-3F2A.js")
    assert script["CacheControl"] == ASSET_CACHE
    assert script["ContentType"].endswith("javascript; charset=utf-8")
    # (a service worker keeps its name in every release: it is never cached as an immutable asset)
    assert s3.head_object(Bucket=target.bucket, Key="app/sw.js")["CacheControl"] == PAGE_CACHE
    assert (published.uploaded, published.deleted) == (6, 1)

    # And the pages and the worker (not the hashed assets) are invalidated in CloudFront
    invalidation = cloudfront.get_invalidation(DistributionId=target.distribution_id, Id=published.invalidation_id)
    paths = invalidation["Invalidation"]["InvalidationBatch"]["Paths"]["Items"]
    assert sorted(paths) == [
        "/app/",
        "/app/index.html",
        "/app/sw.js",
        "/dashboard/",
        "/dashboard/index.html",
        "/public/",
        "/public/index.html",
    ]


def test_publish_refuses_an_unfinished_build(tmp_path: Path) -> None:
    # Given a dist folder without the build's stamp, when its files are listed, then it is refused with the fix
    (tmp_path / "index.html").write_text("half")
    with pytest.raises(FileNotFoundError, match="make web"):
        built_files(tmp_path)


def test_target_comes_from_the_stack_outputs() -> None:
    # Given a deployed stack's outputs, when the target is read, then bucket and distribution come from them
    cloudformation = boto3.client("cloudformation", region_name=REGION)
    outputs = [
        {"OutputKey": "WebBucketName", "OutputValue": "koban-web-1"},
        {"OutputKey": "WebDistributionId", "OutputValue": "E123"},
    ]
    stack = {"StackName": "koban", "CreationTime": "2026-11-21T00:00:00Z", "StackStatus": "CREATE_COMPLETE"}
    with Stubber(cloudformation) as stubber:
        stubber.add_response("describe_stacks", {"Stacks": [{**stack, "Outputs": outputs}]}, {"StackName": "koban"})
        stubber.add_response("describe_stacks", {"Stacks": [{**stack, "Outputs": outputs[:1]}]}, {"StackName": "old"})
        assert stack_target(cloudformation, "koban") == WebTarget("koban-web-1", "E123")
        # And a stack from an older template says what is missing
        with pytest.raises(LookupError, match="WebDistributionId"):
            stack_target(cloudformation, "old")
