#!/usr/bin/env python3
"""Run `stance analyze` over a JSONL corpus with Apache Spark and merge the shards into one output.

    spark-submit examples/spark/stance_spark.py --input IN.jsonl[.gz] --output OUT \
        --stance /path/to/stance [--partitions N] [--format json] [--by date:month] [--chunk 1024] \
        [--threads 1] [--master local[2]] [-- extra `stance analyze` flags]

(`python3 examples/spark/stance_spark.py ...` works too, with pyspark importable: the job makes its
own SparkSession.)

How it works (see README.md beside this file):

1. The input is read with `spark.read.text(lineSep="\\n")` and each line's value cast to binary: the
   records reach stance byte for byte (spark.read.json would parse and re-serialise them, losing
   exact numbers and field order, and turn bad lines into nulls; reading the text as Python str
   would replace invalid UTF-8). The file split each row came from (`_metadata.file_path`,
   `_metadata.file_block_start`) gives every line its place in the input, whatever order Spark
   packs splits into partitions.
2. A counting pass numbers the lines and records (non-blank lines: each is one stance record, a
   document or an error), then the lines are shuffled into N partitions of whole `--chunk`-record
   groups, partition i holding the i-th contiguous slice of the input, sorted back into input order.
3. Each partition pipes its slice into `stance analyze - --format partial --shard i --chunk C
   --threads T --quiet` (preceded by one blank line per input line before the slice, which stance
   skips, so line numbers in errors and default ids count from the top of the input as in a single
   run). The partial's bytes come back to the driver through Spark (no shared file system needed).
4. The driver writes the partials to files and runs `stance merge` over them into OUT: the output a
   single `stance analyze` over the input gives, byte for byte when the partitions hold whole chunks
   (always here) and every executor runs the same model at the same precision.

Exit code: 0 when every record was read, 1 when some records failed (as `stance analyze`), 2 when
the job failed (stance missing, a partition's stance run failing, the merge failing).
"""

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

# Flags the job sets itself; giving them after `--` would break the sharding.
RESERVED = {"--format", "--shard", "--output", "-o", "--chunk", "--threads", "--workers", "--by", "--stdin-format", "--quiet"}
ASCII_WS = b" \t\n\r\x0c"  # Rust's u8::is_ascii_whitespace, which stance's JSONL reader skips blank lines by
BLOCK = 1 << 20


def log(msg):
    print(f"stance_spark: {msg}", file=sys.stderr, flush=True)


def die(msg, code=2):
    log(f"error: {msg}")
    sys.exit(code)


def parse_args(argv):
    extra = []
    if "--" in argv:
        at = argv.index("--")
        argv, extra = argv[:at], argv[at + 1 :]
    p = argparse.ArgumentParser(
        prog="stance_spark.py",
        description="Run `stance analyze` over a JSONL corpus on Spark, one shard per partition, and merge the shards.",
        epilog="Flags after `--` go to every `stance analyze` run (e.g. -- --evidence 5 --precision fp32).",
    )
    p.add_argument("--input", required=True, help="JSONL corpus (.jsonl or .jsonl.gz; any path Spark reads: file, hdfs://, s3a://)")
    p.add_argument("--output", required=True, help="output file, written on the driver")
    p.add_argument("--stance", required=True, help="the stance binary as the executors see it")
    p.add_argument("--driver-stance", help="the stance binary on the driver, for `stance merge` (default: --stance)")
    p.add_argument("--libtorch", help="libtorch's lib folder on the executors, put first on stance's LD_LIBRARY_PATH "
                   "(default: libtorch/torch/lib beside the stance binary where there is one, else the path built into stance)")
    p.add_argument("--partitions", type=int, help="shards (default: Spark's default parallelism)")
    p.add_argument("--format", default="json", help="output format of `stance merge` (json, jsonl, csv, table, tidy-csv, tidy-jsonl, html, partial)")
    p.add_argument("--by", action="append", default=[], help="group profiles by KEY, as `stance analyze --by` (repeatable)")
    p.add_argument("--chunk", type=int, default=1024, help="documents per stance chunk (model batch group); partitions hold whole chunks (default 1024, as stance)")
    p.add_argument("--threads", type=int, help="libtorch threads per stance run (default: spark.task.cpus, i.e. 1: one per core Spark gives the task)")
    p.add_argument("--master", help="Spark master, e.g. local[2] (default: spark-submit's, else local[*])")
    p.add_argument("--partials-dir", help="keep the partials in this folder (default: a temporary folder, removed)")
    p.add_argument("--quiet", action="store_true", help="no per-partition report and timings on stderr")
    a = p.parse_args(argv)
    for flag in extra:
        if flag.split("=", 1)[0] in RESERVED:
            p.error(f"'{flag}' after -- is set by the job itself; use the job's own option (--format, --by, --chunk, --threads)")
    if a.chunk < 1 or a.chunk > 100000:
        p.error("--chunk must be 1 to 100000, as for stance")
    if a.partitions is not None and a.partitions < 1:
        p.error("--partitions must be at least 1")
    if a.threads is not None and a.threads < 1:
        p.error("--threads must be at least 1")
    a.extra = extra
    return a


def check_driver_stance(path):
    """The driver's stance must run: it does the merge, and a missing binary is best told before Spark starts."""
    if os.sep not in path:
        found = shutil.which(path)
        if not found:
            die(f"stance binary '{path}' not found on PATH (give --stance /path/to/stance)")
        path = found
    if not os.path.isfile(path):
        die(f"stance binary '{path}' does not exist (give --stance /path/to/stance, or --driver-stance for the driver's copy)")
    if not os.access(path, os.X_OK):
        die(f"stance binary '{path}' is not executable")
    path = os.path.abspath(path)
    env, _ = stance_env(path, None)
    try:
        r = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=60, env=env)
    except OSError as e:
        die(f"cannot run stance at '{path}': {e}")
    if r.returncode != 0:
        die(f"'{path} --version' failed (exit {r.returncode}): {r.stderr.strip()[-2000:]}\n"
            "  (libtorch not found? set LD_LIBRARY_PATH to libtorch's lib folder, or put it at libtorch/torch/lib beside stance)")
    return path, env, r.stdout.strip()


def locate(path):
    """An executor-side path: as given, else (relative) in the folder where --archives / --files unpack."""
    if os.path.isabs(path) or os.path.exists(path):
        return os.path.abspath(path)
    if os.sep not in path:
        found = shutil.which(path)
        if found:
            return found
    try:
        from pyspark import SparkFiles

        shipped = os.path.join(SparkFiles.getRootDirectory(), path)
        if os.path.exists(shipped):
            return shipped
    except Exception:  # noqa: BLE001  (not in a Spark worker)
        pass
    return os.path.abspath(path)


def stance_env(stance, libtorch):
    """(environment for stance, libtorch folder used or None): libtorch first on LD_LIBRARY_PATH."""
    lib = locate(libtorch) if libtorch else os.path.join(os.path.dirname(stance), "libtorch", "torch", "lib")
    if not os.path.isdir(lib):
        if libtorch:
            raise FileNotFoundError(f"--libtorch folder '{libtorch}' not found (looked at {lib})")
        return None, None
    old = os.environ.get("LD_LIBRARY_PATH")
    return dict(os.environ, LD_LIBRARY_PATH=lib + (os.pathsep + old if old else "")), lib


def is_blank(line):
    return not line.strip(ASCII_WS)


def count_segments(rows):
    """Counting pass over one Spark partition: lines and records per file split, in read order."""
    out = {}
    for seg, line in rows:
        c = out.setdefault(seg, [0, 0])
        c[0] += 1
        if not is_blank(line):
            c[1] += 1
    return list(out.items())


def make_placer(offsets, total_records, chunk, partitions):
    """Keys every line with (target partition, global line index); offsets: split -> (first line, first record)."""
    groups = max(1, -(-total_records // chunk))

    def target(record):
        return min(partitions - 1, (record // chunk) * partitions // groups)

    def place(rows):
        seg = None
        for s, line in rows:
            if s != seg:
                seg = s
                g, r = offsets[s]
            # A blank line goes with the record after it (stance skips it, but it keeps line numbers).
            yield (target(r), g), line
            g += 1
            if not is_blank(line):
                r += 1

    return place


def make_runner(stance_arg, libtorch, chunk, threads, by, extra):
    """Runs stance on one partition; yields ("data", i, bytes) blocks of its partial, then ("status", i, dict)."""

    def run(index, rows):
        host = socket.gethostname()
        rows = iter(rows)
        head, first_line = [], None
        for (_, g), line in rows:
            if first_line is None:
                first_line = g
            head.append(line)
            if not is_blank(line):
                break
        else:  # no records: no shard (stance would report an empty input as an error)
            yield ("status", index, {"empty": True, "host": host, "lines": len(head)})
            return
        stance = locate(stance_arg)
        cmd = [stance, "analyze", "-", "--stdin-format", "jsonl", "--format", "partial", "--shard", str(index),
               "--chunk", str(chunk), "--threads", str(threads), "--workers", "1", "--quiet"]
        for b in by:
            cmd += ["--by", b]
        cmd += extra
        status = {"host": host, "first_line": first_line + 1, "cmd": cmd}
        err = tempfile.TemporaryFile()
        start = time.monotonic()
        try:
            env, status["libtorch"] = stance_env(stance, libtorch)
            proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err, env=env)
        except OSError as e:
            status.update(ok=False, rc=None, error=f"cannot run stance at '{stance_arg}' on {host}: {e}")
            yield ("status", index, status)
            return
        fed = {"lines": 0, "records": 0, "error": None}

        def feed():
            try:
                w = proc.stdin
                left = first_line  # one blank line per input line before the slice: global line numbers
                while left > 0:
                    n = min(left, BLOCK)
                    w.write(b"\n" * n)
                    left -= n
                for line in head:
                    w.write(line)
                    w.write(b"\n")
                fed["lines"] += len(head)
                fed["records"] += 1
                for _, line in rows:
                    w.write(line)
                    w.write(b"\n")
                    fed["lines"] += 1
                    if not is_blank(line):
                        fed["records"] += 1
            except BrokenPipeError:
                pass  # stance stopped reading: its exit code and stderr tell why
            except Exception as e:  # noqa: BLE001  (reported with the partition)
                fed["error"] = f"{type(e).__name__}: {e}"
            finally:
                try:
                    proc.stdin.close()
                except OSError:
                    pass

        feeder = threading.Thread(target=feed, daemon=True)
        feeder.start()
        cur, last = b"", b""  # the first bytes of the line being read and of the last whole line
        while True:
            block = proc.stdout.read(BLOCK)
            if not block:
                break
            *whole, rest = block.split(b"\n")
            for part in whole:
                last, cur = (cur + part[:32])[:32], b""
            cur = (cur + rest[:32])[:32]
            yield ("data", index, block)
        feeder.join()
        _, wstatus, usage = os.wait4(proc.pid, 0)
        rc = os.waitstatus_to_exitcode(wstatus)
        proc.returncode = rc
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
        finished = not cur and last.startswith(b'{"type":"totals"')
        status.update(
            rc=rc,
            ok=rc in (0, 1) and finished and fed["error"] is None,
            stderr=stderr[-4000:],
            lines=fed["lines"],
            records=fed["records"],
            seconds=time.monotonic() - start,
            max_rss_kib=usage.ru_maxrss,
        )
        if fed["error"]:
            status["error"] = f"feeding stance failed: {fed['error']}"
        elif rc in (0, 1) and not finished:
            status["error"] = "stance exited without writing the partial's totals line"
        yield ("status", index, status)

    return run


def main(argv):
    a = parse_args(argv)
    driver_stance, driver_env, version = check_driver_stance(a.driver_stance or a.stance)
    try:
        from pyspark.sql import SparkSession
        from pyspark.sql import functions as F
        from pyspark import StorageLevel
    except ImportError:
        die("pyspark is not importable: run with spark-submit, or set PYTHONPATH to a pyspark install "
            "(python3 -m pip install --target .pyspark pyspark==3.5.7; PYTHONPATH=.pyspark)")

    t0 = time.monotonic()
    builder = SparkSession.builder.appName("stance").config("spark.ui.showConsoleProgress", "false")
    if a.master:
        builder = builder.master(a.master)
    spark = builder.getOrCreate()
    sc = spark.sparkContext
    sc.setLogLevel("WARN")
    t_session = time.monotonic()
    threads = a.threads or int(sc.getConf().get("spark.task.cpus", "1"))
    partitions = a.partitions or sc.defaultParallelism
    tmp = None
    try:
        try:
            df = spark.read.option("lineSep", "\n").text(a.input)
        except Exception as e:  # AnalysisException: path does not exist, ...
            die(f"cannot read --input {a.input}: {str(e).splitlines()[0]}")
        rows = df.select(
            F.struct(F.col("_metadata.file_path"), F.col("_metadata.file_block_start")).alias("seg"),
            F.col("value").cast("binary").alias("line"),
        ).rdd.map(lambda r: ((r.seg[0], r.seg[1]), bytes(r.line)))

        # Pass 1: lines and records per file split, then each split's place in the input.
        counts = {}
        for seg, (n_lines, n_records) in rows.mapPartitions(count_segments).collect():
            c = counts.setdefault(seg, [0, 0])
            c[0] += n_lines
            c[1] += n_records
        offsets, line, record = {}, 0, 0
        for seg in sorted(counts):
            offsets[seg] = (line, record)
            line += counts[seg][0]
            record += counts[seg][1]
        total_lines, total_records = line, record
        files = sorted({s[0] for s in counts})
        if len(files) > 1:
            log(f"{len(files)} input files, read as one stream in path order")
        t_count = time.monotonic()

        # Pass 2: contiguous slices of whole chunks, in input order, one per partition; run stance on each.
        slices = rows.mapPartitions(make_placer(offsets, total_records, a.chunk, partitions)).repartitionAndSortWithinPartitions(
            numPartitions=partitions, partitionFunc=lambda key: key[0]
        )
        results = slices.mapPartitionsWithIndex(make_runner(a.stance, a.libtorch, a.chunk, threads, a.by, a.extra))
        results.persist(StorageLevel.MEMORY_AND_DISK)
        results.count()  # runs every partition's stance side by side
        t_analyze = time.monotonic()

        # Bring the partials to the driver, one partition at a time.
        if a.partials_dir:
            os.makedirs(a.partials_dir, exist_ok=True)
            pdir = a.partials_dir
        else:
            tmp = tempfile.mkdtemp(prefix="stance-partials-")
            pdir = tmp
        paths, statuses, out, out_index = {}, {}, None, None
        for kind, index, payload in results.toLocalIterator():
            if kind == "data":
                if out_index != index:
                    if out:
                        out.close()
                    paths[index] = os.path.join(pdir, f"partial-{index:05d}.jsonl")
                    out, out_index = open(paths[index], "wb"), index
                out.write(payload)
            else:
                statuses[index] = payload
        if out:
            out.close()
        results.unpersist()
        t_fetch = time.monotonic()

        failed = [(i, s) for i, s in sorted(statuses.items()) if not s.get("empty") and not s.get("ok")]
        for i, s in failed:
            first = s.get("first_line")
            where = f"partition {i} (input lines from {first}, {s.get('records', '?')} records fed) on {s['host']}"
            why = s.get("error") or f"stance exited with {s.get('rc')}"
            log(f"{where}: {why}\n  command: {' '.join(s['cmd'])}\n  stance's stderr:\n{indent(s.get('stderr', ''))}")
        if failed:
            die(f"{len(failed)} of {partitions} partitions failed; nothing merged")
        done = [i for i, s in sorted(statuses.items()) if not s.get("empty")]
        if not a.quiet:
            for i in done:
                s = statuses[i]
                log(f"partition {i}: {s['records']} records from line {s['first_line']} in {s['seconds']:.1f} s "
                    f"({s['records'] / max(s['seconds'], 1e-9):.1f}/s), stance peak RSS {s['max_rss_kib'] / 1024:.0f} MiB, on {s['host']}"
                    + (f", libtorch from {s['libtorch']}" if s.get("libtorch") else ""))
            empty = partitions - len(done)
            if empty:
                log(f"{empty} of {partitions} partitions got no records ({total_records} records in "
                    f"{-(-total_records // a.chunk)} chunks of {a.chunk})")
        if not done:  # an empty input: one shard, so the merge reports it as a single run would
            paths[0] = os.path.join(pdir, "partial-00000.jsonl")
            with open(paths[0], "wb") as f:
                subprocess.run([driver_stance, "analyze", "-", "--stdin-format", "jsonl", "--format", "partial",
                                "--quiet", *sum((["--by", b] for b in a.by), []), *a.extra],
                               input=b"", stdout=f, env=driver_env)
            done = [0]

        # Merge on the driver.
        parent = os.path.dirname(os.path.abspath(a.output))
        os.makedirs(parent, exist_ok=True)
        merge = [driver_stance, "merge", *[paths[i] for i in done], "--format", a.format, "--output", a.output]
        if done != list(range(len(done))):
            # Empty partitions wrote no partial: their shard numbers are missing on purpose.
            merge.append("--allow-gaps")
        r = subprocess.run(merge, env=driver_env)
        t_merge = time.monotonic()
        if r.returncode not in (0, 1):
            die(f"stance merge failed (exit {r.returncode}): {' '.join(merge)}")
        if not a.quiet:
            log(f"{total_records} records ({total_lines} lines) in {len(done)} shards -> {a.output} [{version}]")
            log(f"timings: spark session {t_session - t0:.1f} s, counting pass {t_count - t_session:.1f} s, "
                f"shuffle + stance {t_analyze - t_count:.1f} s, partials to driver {t_fetch - t_analyze:.1f} s, "
                f"merge {t_merge - t_fetch:.1f} s, total {t_merge - t0:.1f} s "
                f"({total_records / max(t_merge - t0, 1e-9):.1f} records/s)")
        some_failed = r.returncode == 1 or any(statuses[i].get("rc") == 1 for i in done if i in statuses)
        return 1 if some_failed else 0
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
        spark.stop()


def indent(text):
    return "\n".join("    " + l for l in text.rstrip().splitlines()) or "    (nothing)"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
