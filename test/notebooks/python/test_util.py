"""Unit tests of the notebooks' util package: data preparation, request payloads, the monitoring baseline.

Run from the repository root (test/notebooks/util.test.ts does, under jest):
    python3 -m unittest discover -s test/notebooks/python -p 'test_*.py'
Needs pandas and scikit-learn (Debian: apt-get install python3-pandas python3-sklearn); not boto3.
"""

import ast
import io
import os
import subprocess
import sys
import tempfile
import unittest

# Import util from notebooks/ without leaving __pycache__ there: the folder is the project repository's seed.
sys.dont_write_bytecode = True
NOTEBOOKS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "notebooks")
sys.path.insert(0, os.path.normpath(NOTEBOOKS))

import pandas as pd  # noqa: E402

from util import data, endpoint, prepare  # noqa: E402

ROWS = 2000
FEATURE_COUNT = len(data.FEATURES)  # 23


def credit(rows=ROWS, seed=7):
    return data.synthetic_credit_default(rows=rows, seed=seed)


def read_back(csv_text):
    """A CSV part as the notebooks read it back: no header, columns 0, 1, ..."""
    return pd.read_csv(io.StringIO(csv_text), header=None)


class PrepareTest(unittest.TestCase):
    def setUp(self):
        self.frame = credit()
        self.parts = prepare.split(self.frame)

    def test_the_schema_the_layout_assumes(self):
        self.assertEqual(prepare.TARGET, data.TARGET)
        self.assertEqual(FEATURE_COUNT, 23)
        self.assertEqual(list(self.frame.columns), data.FEATURES + [data.TARGET])

    def test_split_sizes_are_70_15_15(self):
        self.assertEqual(list(self.parts), ["train", "validation", "test"])
        sizes = {name: len(part) for name, part in self.parts.items()}
        self.assertEqual(sizes, {"train": 1400, "validation": 300, "test": 300})

    def test_every_row_lands_in_exactly_one_part(self):
        rows = pd.concat(list(self.parts.values()))
        self.assertFalse(rows.index.has_duplicates)
        self.assertEqual(sorted(rows.index), list(range(ROWS)))
        # The rows themselves, not only their labels: each part row is its source row in the layout.
        pd.testing.assert_frame_equal(rows.sort_index(), prepare.xgboost_layout(self.frame))
        train, validation, test = (set(part.index) for part in self.parts.values())
        self.assertFalse(train & validation or train & test or validation & test)

    def test_the_split_is_stratified_by_the_label(self):
        share = self.frame[data.TARGET].mean()
        self.assertGreater(share, 0.05)  # the synthetic data has defaults to stratify
        for name, part in self.parts.items():
            with self.subTest(part=name):
                self.assertAlmostEqual(part[data.TARGET].mean(), share, delta=1 / len(part))

    def test_the_same_seed_gives_the_same_split(self):
        again = prepare.split(self.frame)
        for name in prepare.PARTS:
            self.assertEqual(list(again[name].index), list(self.parts[name].index))
        self.assertNotEqual(list(prepare.split(self.frame, seed=1)["test"].index), list(self.parts["test"].index))

    def test_label_in_column_0_and_the_features_standardized(self):
        train = self.parts["train"]
        self.assertEqual(list(train.columns), [data.TARGET] + data.FEATURES)
        self.assertEqual(set(train[data.TARGET]), {0, 1})
        layout = prepare.xgboost_layout(self.frame)
        features = layout[data.FEATURES]
        self.assertTrue((features.mean().abs() < 1e-9).all())
        self.assertTrue(((features.std() - 1).abs() < 1e-9).all())

    def test_a_constant_column_does_not_become_nan(self):
        frame = self.frame.assign(SEX=1)
        layout = prepare.xgboost_layout(frame)
        self.assertFalse(layout.isna().any().any())
        self.assertEqual(set(layout["SEX"]), {0.0})

    def test_csv_has_no_header_and_the_label_first(self):
        part = self.parts["validation"]
        text = prepare.to_csv(part)
        lines = text.splitlines()
        self.assertEqual(len(lines), len(part))  # one line per row: no header line
        self.assertNotIn(data.TARGET, text)
        self.assertNotIn("LIMIT_BAL", text)
        back = read_back(text)
        self.assertEqual(back.shape, (len(part), 1 + FEATURE_COUNT))
        self.assertEqual(list(back[0]), list(part[data.TARGET]))  # the label, as integers, in column 0
        self.assertEqual(lines[0].split(",")[0], str(part[data.TARGET].iloc[0]))
        features = part[data.FEATURES].set_axis(range(1, 1 + FEATURE_COUNT), axis=1).reset_index(drop=True)
        pd.testing.assert_frame_equal(back.iloc[:, 1:], features, check_exact=False, rtol=1e-12)

    def test_without_label_drops_column_0_only(self):
        back = read_back(prepare.to_csv(self.parts["test"]))
        features = prepare.without_label(back)
        self.assertEqual(list(features.columns), list(range(1, 1 + FEATURE_COUNT)))
        self.assertEqual(list(prepare.without_label(self.parts["test"]).columns), data.FEATURES)

    def test_the_written_script_runs_alone_as_the_processing_job(self):
        """write_script's file, run alone (no util next to it), reads input/credit.csv and writes the parts."""
        with tempfile.TemporaryDirectory() as scratch:
            root = os.path.join(scratch, "processing")
            os.makedirs(os.path.join(root, "input"))
            self.frame.to_csv(os.path.join(root, "input", "credit.csv"), index=False)  # as notebook 01 uploads it
            script = prepare.write_script(os.path.join(scratch, "preprocess.py"))
            run = subprocess.run(
                [sys.executable, "-B", "-I", script, root], cwd=scratch, capture_output=True, text=True, timeout=120
            )
            self.assertEqual(run.returncode, 0, run.stderr)
            for name, expected in self.parts.items():
                with self.subTest(part=name), open(os.path.join(root, name, f"{name}.csv")) as file:
                    self.assertEqual(file.read(), prepare.to_csv(expected))

    def test_the_script_keeps_to_python_3_8_syntax(self):
        """The scikit-learn container's Python is older than the notebook's."""
        with open(prepare.__file__) as file:
            ast.parse(file.read(), feature_version=(3, 8))


class PayloadTest(unittest.TestCase):
    def setUp(self):
        self.features = read_back(prepare.to_csv(prepare.split(credit())["test"])).drop(columns=[0])

    def assert_one_line(self, body, values):
        self.assertIsInstance(body, str)
        self.assertNotIn("\n", body)
        self.assertNotIn("\r", body)
        fields = body.split(",")
        self.assertEqual(len(fields), len(values))
        self.assertEqual([float(f) for f in fields], [float(v) for v in values])  # exact: no rounding

    def test_a_row_of_the_frame_is_one_line_with_every_feature(self):
        for _, row in self.features.head(5).iterrows():
            body = endpoint.payload(row)
            self.assert_one_line(body, row.tolist())
            self.assertEqual(len(body.split(",")), FEATURE_COUNT)

    def test_values_keep_their_text(self):
        self.assertEqual(endpoint.payload(pd.Series([1, 2, 30000])), "1,2,30000")
        self.assertEqual(endpoint.payload([0.5, -1.25, 3]), "0.5,-1.25,3.0")
        self.assertEqual(endpoint.payload(pd.Series([0.1, 1e-07])), "0.1,1e-07")

    def test_drifted_rows_too(self):
        drifted = self.features.head(3) * 3 + 2
        for _, row in drifted.iterrows():
            self.assert_one_line(endpoint.payload(row), row.tolist())

    def test_more_than_one_row_is_refused(self):
        for rows in (self.features.head(2), self.features.head(1), self.features.head(2).values):
            with self.subTest(shape=rows.shape), self.assertRaisesRegex(ValueError, "one row"):
                endpoint.payload(rows)
        with self.assertRaisesRegex(ValueError, "one row"):
            endpoint.payload([])

    def test_text_is_refused(self):
        with self.assertRaisesRegex(ValueError, "numeric"):
            endpoint.payload(pd.Series(["1,2", "3"]))


class BaselineTest(unittest.TestCase):
    def setUp(self):
        # train.csv as notebook 02 reads it back: no header, the label in column 0.
        self.train = read_back(prepare.to_csv(prepare.split(credit())["train"]))

    def test_the_baseline_has_exactly_the_feature_columns(self):
        self.assertEqual(self.train.shape[1], 1 + FEATURE_COUNT)
        baseline = read_back(endpoint.baseline_csv(self.train))
        self.assertEqual(baseline.shape, (len(self.train), FEATURE_COUNT))  # 23 columns, not 24
        pd.testing.assert_frame_equal(baseline, self.train.drop(columns=[0]).set_axis(range(FEATURE_COUNT), axis=1))

    def test_no_header_and_no_label(self):
        text = endpoint.baseline_csv(self.train)
        self.assertEqual(len(text.splitlines()), len(self.train))
        labels = self.train[0].astype(str).tolist()
        first_fields = [line.split(",")[0] for line in text.splitlines()]
        self.assertNotEqual(first_fields, labels)
        self.assertEqual([float(f) for f in first_fields], self.train[1].tolist())

    def test_each_baseline_line_has_the_values_of_the_request_for_that_row(self):
        lines = endpoint.baseline_csv(self.train).splitlines()
        for i in range(5):
            row = self.train.drop(columns=[0]).iloc[i]
            request = endpoint.payload(row)
            self.assertEqual([float(f) for f in lines[i].split(",")], [float(f) for f in request.split(",")])


class ReadPreparedTest(unittest.TestCase):
    class FakeS3:
        def __init__(self, body):
            self.body = body
            self.calls = []

        def get_object(self, **request):
            self.calls.append(request)
            return {"Body": io.BytesIO(self.body)}

    def test_reads_a_headerless_csv_through_the_client(self):
        s3 = self.FakeS3(b"1,0.5,2\n0,-1.5,3\n")
        frame = data.read_prepared("s3://project-data/alpha/prepared/train/train.csv", s3=s3)
        self.assertEqual(s3.calls, [{"Bucket": "project-data", "Key": "alpha/prepared/train/train.csv"}])
        self.assertEqual(frame.shape, (2, 3))  # the first line is data, not a header
        self.assertEqual(list(frame.columns), [0, 1, 2])
        self.assertEqual(frame[0].tolist(), [1, 0])

    def test_refuses_anything_but_s3(self):
        with self.assertRaisesRegex(ValueError, "not an S3 URI"):
            data.read_prepared("/tmp/train.csv", s3=self.FakeS3(b""))


if __name__ == "__main__":
    unittest.main()
