"""Unit tests of sync_packages with an in-memory stand-in for the S3 client (no AWS, no network)."""

import os
import shutil
import tempfile
import unittest

import sync_packages


class FakeS3:
    def __init__(self, objects):
        self.objects = dict(objects)  # key -> (etag, bytes)
        self.downloads = []

    def get_paginator(self, operation):
        assert operation == "list_objects_v2"
        fake = self

        class Paginator:
            def paginate(self, Bucket, Prefix):
                keys = sorted(k for k in fake.objects if k.startswith(Prefix))
                # Two pages, to prove pagination is followed.
                half = len(keys) // 2
                for chunk in (keys[:half], keys[half:]):
                    yield {"Contents": [{"Key": k, "ETag": '"%s"' % fake.objects[k][0]} for k in chunk]}

        return Paginator()

    def download_file(self, bucket, key, path):
        self.downloads.append(key)
        with open(path, "wb") as f:
            f.write(self.objects[key][1])


class SyncTest(unittest.TestCase):
    def setUp(self):
        self.dest = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.dest)

    def files(self):
        return sorted(f for f in os.listdir(self.dest) if not f.startswith("."))

    def test_copies_only_distribution_files_under_the_prefix(self):
        s3 = FakeS3({
            "packages/numpy-2.0.0-cp312-manylinux.whl": ("e1", b"wheel"),
            "packages/pandas-2.2.0.tar.gz": ("e2", b"sdist"),
            "packages/README.txt": ("e3", b"no"),
            "packages/nested/evil.whl": ("e4", b"no"),
            "other/x.whl": ("e5", b"no"),
        })
        result = sync_packages.sync_once(s3, "b", "packages/", self.dest)
        self.assertEqual(self.files(), ["numpy-2.0.0-cp312-manylinux.whl", "pandas-2.2.0.tar.gz"])
        self.assertEqual(result["added"], ["numpy-2.0.0-cp312-manylinux.whl", "pandas-2.2.0.tar.gz"])

    def test_second_pass_downloads_nothing_unchanged(self):
        s3 = FakeS3({"packages/a-1.whl": ("e1", b"a")})
        sync_packages.sync_once(s3, "b", "packages/", self.dest)
        result = sync_packages.sync_once(s3, "b", "packages/", self.dest)
        self.assertEqual(result["added"], [])
        self.assertEqual(s3.downloads, ["packages/a-1.whl"])

    def test_changed_file_is_downloaded_again_and_removed_file_deleted(self):
        s3 = FakeS3({"packages/a-1.whl": ("e1", b"a"), "packages/b-1.whl": ("e2", b"b")})
        sync_packages.sync_once(s3, "b", "packages/", self.dest)
        s3.objects["packages/a-1.whl"] = ("e9", b"a2")
        del s3.objects["packages/b-1.whl"]
        result = sync_packages.sync_once(s3, "b", "packages/", self.dest)
        self.assertEqual(result, {"added": ["a-1.whl"], "removed": ["b-1.whl"], "total": 1})
        self.assertEqual(self.files(), ["a-1.whl"])
        with open(os.path.join(self.dest, "a-1.whl"), "rb") as f:
            self.assertEqual(f.read(), b"a2")

    def test_leaves_no_partial_files(self):
        s3 = FakeS3({"packages/a-1.whl": ("e1", b"a")})
        sync_packages.sync_once(s3, "b", "packages/", self.dest)
        self.assertFalse([f for f in os.listdir(self.dest) if f.startswith(".partial-")])


if __name__ == "__main__":
    unittest.main()
