"""Mirrors the approved-packages bucket into the local package directory of pypiserver.

Run with --once for a single pass (start-up), or without it to repeat every SYNC_INTERVAL_SECONDS.
Only distribution files are copied; files removed from the bucket are removed locally, so the
bucket stays the single source of what can be installed. Every pass logs one JSON line.
"""

import argparse
import json
import os
import sys
import tempfile
import time

DISTRIBUTION_SUFFIXES = (".whl", ".tar.gz", ".zip", ".tar.bz2")


def remote_packages(client, bucket, prefix):
    """Returns {file name: etag} of the distribution files under prefix."""
    found = {}
    paginator = client.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            name = obj["Key"][len(prefix):]
            if "/" in name or not name.endswith(DISTRIBUTION_SUFFIXES):
                continue
            found[name] = obj["ETag"].strip('"')
    return found


def sync_once(client, bucket, prefix, dest):
    """Downloads new or changed files, deletes removed ones; returns what changed."""
    state_file = os.path.join(dest, ".etags.json")
    try:
        with open(state_file) as f:
            local = json.load(f)
    except (FileNotFoundError, json.JSONDecodeError):
        local = {}
    remote = remote_packages(client, bucket, prefix)
    added, removed = [], []
    for name, etag in sorted(remote.items()):
        path = os.path.join(dest, name)
        if local.get(name) == etag and os.path.exists(path):
            continue
        # Download beside the target and rename, so pip never sees a half-written file.
        fd, partial = tempfile.mkstemp(dir=dest, prefix=".partial-")
        os.close(fd)
        client.download_file(bucket, prefix + name, partial)
        os.replace(partial, path)
        local[name] = etag
        added.append(name)
    for name in sorted(set(local) - set(remote)):
        try:
            os.remove(os.path.join(dest, name))
        except FileNotFoundError:
            pass
        del local[name]
        removed.append(name)
    with open(state_file, "w") as f:
        json.dump(local, f)
    return {"added": added, "removed": removed, "total": len(remote)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--once", action="store_true", help="one pass, then exit")
    args = parser.parse_args(argv)
    bucket = os.environ["PACKAGES_BUCKET"]
    prefix = os.environ.get("PACKAGES_PREFIX", "packages/")
    dest = os.environ.get("PACKAGES_DIR", "/data/packages")
    interval = int(os.environ.get("SYNC_INTERVAL_SECONDS", "60"))

    import boto3  # imported here so the tests need no AWS SDK

    client = boto3.client("s3")
    while True:
        try:
            result = sync_once(client, bucket, prefix, dest)
            print(json.dumps({"event": "sync", "bucket": bucket, **result}), flush=True)
        except Exception as error:  # keep serving what we have; the next pass retries
            print(json.dumps({"event": "sync-failed", "bucket": bucket, "error": repr(error)}), flush=True)
            if args.once:
                return 1
        if args.once:
            return 0
        time.sleep(interval)


if __name__ == "__main__":
    sys.exit(main())
