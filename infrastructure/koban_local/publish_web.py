"""Publish the built web pages to the stack's web bucket and refresh CloudFront (`make deploy` runs it).

python -m koban_local.publish_web --stack-name koban [--region eu-west-1] [--dist infrastructure/web/dist]

Pages (`index.html`), manifests and service workers (`sw.js`: its URL must never change) are uploaded `no-cache`
so a new release shows at once; the bundled assets carry a content hash in their names and are cached for a year.
Objects no longer built are deleted (the bucket is versioned, so a release can be restored), and the files of fixed
names are invalidated in CloudFront.
"""

from __future__ import annotations

import argparse
import mimetypes
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

DEFAULT_DIST = Path(__file__).resolve().parents[1] / "web" / "dist"
PAGE_CACHE = "no-cache"
ASSET_CACHE = "public, max-age=31536000, immutable"
# Build stamps and maps stay on the build machine.
_NOT_PUBLISHED = {".built"}
_NOT_PUBLISHED_SUFFIXES = {".map"}


@dataclass(frozen=True)
class WebTarget:
    bucket: str
    distribution_id: str


@dataclass(frozen=True)
class Published:
    uploaded: int
    deleted: int
    invalidation_id: str


def stack_target(cloudformation: Any, stack_name: str) -> WebTarget:
    """The web bucket and distribution from the stack's outputs."""
    stacks = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    outputs = {output["OutputKey"]: output["OutputValue"] for output in stacks[0].get("Outputs", [])}
    missing = [key for key in ("WebBucketName", "WebDistributionId") if key not in outputs]
    if missing:
        names = ", ".join(missing)
        raise LookupError(f"Stack {stack_name} has no output(s) {names}: is it deployed from this template?")
    return WebTarget(outputs["WebBucketName"], outputs["WebDistributionId"])


def built_files(dist: Path) -> dict[str, Path]:
    """Object key -> file, for every file of the build that is published."""
    if not (dist / ".built").is_file():
        raise FileNotFoundError(f"{dist} holds no finished build: run `make web` first.")
    return {
        path.relative_to(dist).as_posix(): path
        for path in sorted(dist.rglob("*"))
        if path.is_file() and path.name not in _NOT_PUBLISHED and path.suffix not in _NOT_PUBLISHED_SUFFIXES
    }


def _content_type(path: Path) -> str:
    guessed = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"{guessed}; charset=utf-8" if guessed.startswith("text/") or guessed.endswith("javascript") else guessed


def fixed_name(key: str) -> bool:
    """A file whose name is the same in every release (no content hash): pages, manifests, service workers."""
    return key.endswith((".html", ".webmanifest")) or key.rsplit("/", 1)[-1] == "sw.js"


def publish(s3: Any, cloudfront: Any, dist: Path, target: WebTarget) -> Published:
    """Upload the build, delete what it no longer has, and invalidate the pages."""
    files = built_files(dist)
    pages = sorted(key for key in files if fixed_name(key))
    for key, path in files.items():
        s3.put_object(
            Bucket=target.bucket,
            Key=key,
            Body=path.read_bytes(),
            ContentType=_content_type(path),
            CacheControl=PAGE_CACHE if key in pages else ASSET_CACHE,
        )
    stale: list[str] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=target.bucket):
        stale.extend(item["Key"] for item in page.get("Contents", []) if item["Key"] not in files)
    for start in range(0, len(stale), 1000):
        s3.delete_objects(
            Bucket=target.bucket, Delete={"Objects": [{"Key": key} for key in stale[start : start + 1000]]}
        )
    paths = sorted({"/" + key for key in pages} | {"/" + key.rsplit("/", 1)[0] + "/" for key in pages if "/" in key})
    invalidation = cloudfront.create_invalidation(
        DistributionId=target.distribution_id,
        InvalidationBatch={"Paths": {"Quantity": len(paths), "Items": paths}, "CallerReference": str(time.time_ns())},
    )
    return Published(len(files), len(stale), invalidation["Invalidation"]["Id"])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m koban_local.publish_web", description=__doc__.splitlines()[0])
    parser.add_argument("--stack-name", required=True)
    parser.add_argument("--region", default=None)
    parser.add_argument("--dist", type=Path, default=DEFAULT_DIST)
    arguments = parser.parse_args(argv)
    session = boto3.session.Session(region_name=arguments.region)
    target = stack_target(session.client("cloudformation"), arguments.stack_name)
    published = publish(session.client("s3"), session.client("cloudfront"), arguments.dist, target)
    print(
        f"Published {published.uploaded} files to s3://{target.bucket} ({published.deleted} stale removed); "
        f"CloudFront {target.distribution_id} invalidation {published.invalidation_id}."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
