"""Beyond one machine: the batch evaluation is a function of one Arrow record batch, so Spark can run
it with `mapInArrow`. A local[2] Spark session gets the same pairs as the single-machine run.

Needs pyspark and a Java runtime; skipped without them, except in CI (CI=true), where it must run."""

from __future__ import annotations

import datetime as dt
import logging
import os
import random
import shutil
import sys
import tomllib
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from yingshang.policies.rules.batch import (
    arrow_mapper,
    evaluate_batch,
    plain_strings,
    profiles_to_table,
    spark_schema,
)
from yingshang.policies.rules.pack import load_pack_file, shipped_pack_paths
from yingshang.policies.rules.samples import edge_values, random_profile

AS_OF = dt.date(2026, 6, 30)


def _registered(marker: str) -> bool:
    """Whether pyproject registers the marker (the suite runs with --strict-markers)."""
    pyproject = Path(__file__).resolve().parents[3] / "pyproject.toml"
    markers = tomllib.loads(pyproject.read_text(encoding="utf-8"))["tool"]["pytest"]["ini_options"]["markers"]
    return any(line.split(":")[0].strip() == marker for line in markers)


pytestmark = [pytest.mark.slow, *([pytest.mark.spark] if _registered("spark") else [])]


def _spark_or_skip():
    """pyspark's module, or a skip (a failure under CI) naming what is missing."""
    missing = []
    try:
        import pyspark.sql  # noqa: F401  (optional: is pyspark installed? a skip says what is missing)
    except ImportError:
        missing.append("pyspark")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        missing.append("Java")
    if missing:
        message = f"Spark test needs {' and '.join(missing)}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    from pyspark.sql import SparkSession  # optional dependency, present once the check above passed

    return SparkSession


LOG4J2 = """\
rootLogger.level = error
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n%ex
"""


@pytest.fixture(scope="module")
def spark(tmp_path_factory):
    session_class = _spark_or_skip()
    logging.getLogger("py4j").setLevel(logging.ERROR)
    log_config = tmp_path_factory.mktemp("spark") / "log4j2.properties"
    log_config.write_text(LOG4J2, encoding="utf-8")
    java_options = f"-Dlog4j2.configurationFile=file:{log_config}"
    saved = {name: os.environ.get(name) for name in ("PYSPARK_PYTHON", "PYSPARK_DRIVER_PYTHON")}
    os.environ["PYSPARK_PYTHON"] = os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable  # workers import us
    session = (
        session_class.builder.master("local[2]")
        .appName("yingshang-policies-test")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", "200")
        .config("spark.driver.extraJavaOptions", java_options)
        .config("spark.executor.extraJavaOptions", java_options)
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def test_spark_map_in_arrow_gives_the_same_pairs_as_the_single_machine_run(spark, tmp_path) -> None:
    packs = [load_pack_file(path, run_cases=False)[0] for path in shipped_pack_paths()]
    rng, edges = random.Random(7), edge_values(packs, AS_OF)
    table = profiles_to_table([random_profile(rng, edges, AS_OF, index) for index in range(600)])

    # Through Parquet, as a cluster would read a snapshot; several partitions, small Arrow batches.
    pq.write_table(table, tmp_path / "snapshot.parquet", row_group_size=150)
    frame = spark.read.parquet(str(tmp_path / "snapshot.parquet")).repartition(3)
    result = frame.mapInArrow(arrow_mapper(packs, AS_OF), spark_schema())
    distributed = sorted(tuple(row) for row in result.collect())

    local = plain_strings(evaluate_batch(table, packs, AS_OF)).to_pylist()
    expected = sorted(tuple(row.values()) for row in local)
    assert len(expected) > 600
    assert distributed == expected
