"""scripts/bench-scale's run on one throwaway Postgres: for fake-graph at 0 and 50 ms and each
number of `herald work` processes, a send measurement; then each number of `herald serve`
replicas under signed webhooks (bench_scale_steps); then the "Scale-out" section
(bench_scale_report), written into docs/benchmarks.md unless the config's doc is empty, and the
summary. The launcher (scripts/bench-scale) finds the binaries, makes the cluster, migrates the
database, seeds the page and customers and writes the run's config.json (jq); this reads it:

    python3 -m herald_tools.bench_scale run --config OUT/config.json

Exit status: 0 when every check passed, 1 otherwise (the figures are still written) or when the
run could not go on, 130/143 on SIGINT/SIGTERM (every process started here is stopped first)."""
import os
import sys
import time
import types

from herald_tools import bench_body, bench_scale_report as report, doc_sections, machine, postgres, signing
from herald_tools.bench_scale_steps import Run, ScaleStack, say
from herald_tools.drill import DrillAbort, config_main


def stack_config(c):
    """What drill_stack's Stack reads, from the run's config."""
    secrets = c["secrets"]
    return types.SimpleNamespace(
        root=c["root"], out_dir=c["out_dir"], herald=c["binaries"]["herald"], fake_graph=c["binaries"]["fake_graph"],
        herald_bench=c["binaries"]["herald_bench"], migrations_dir=c["migrations_dir"], page_id=c["page_id"],
        app_secret=secrets["app_secret"], verify_token=secrets["verify_token"], api_token=secrets["api_token"],
        admin_token=secrets["admin_token"])


def facts(run):
    c = run.c
    return {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "command_line": c["command_line"],
            "rel_out": run.rel_out, "built_from": c["built_from"],
            "git_rev": machine.git_revision(c["checkout"], ["Sources", "Package.swift", "sql"], " + uncommitted changes"),
            "nproc": machine.nproc(), "cpu_model": machine.cpu_model(), "mem_gib": machine.memory_gib(),
            "pg_version": run.sql("show server_version"),
            "pg_settings": run.sql("select string_agg(name || '=' || current_setting(name), ', ' order by name) from pg_settings "
                                   "where name in ('fsync', 'synchronous_commit', 'shared_buffers', 'max_connections', 'commit_delay')"),
            "customers": c["customers"], "messages": c["messages"], "per_thread": c["per_thread"], "duration": c["duration"],
            "worker_counts": c["worker_counts"], "replica_counts": c["replica_counts"]}


def measure(run):
    c = run.c
    graph = None
    for latency in report.LATENCIES:
        if graph is not None:
            run.stack.stop(graph)
        graph, _ = run.stack.start_graph("fake-graph-%dms" % latency, "--latency-ms", str(latency))
        for workers in c["worker_counts"]:
            run.send(latency, workers, c["messages"] if latency == 0 else workers * report.CONCURRENCY * c["per_thread"])
    run.stack.stop(graph)
    run.stack.graph_url = "http://127.0.0.1:9"
    # The body of scripts/bench (a 2 KB Messenger message from the first customer), signed once.
    body = bench_body.webhook_body(c["page_id"], c["customer_base"])
    run.body_file = run.path("webhook-body.json")
    with open(run.body_file, "wb") as f:
        f.write(body)
    run.signature = signing.signature(c["secrets"]["app_secret"], body)
    for replicas in c["replica_counts"]:
        run.webhooks(replicas)


def write_report(run):
    m = facts(run)
    text = report.section(m, run.sends, run.hooks, run.failed, run.not_quiet)
    with open(run.path("section.md"), "w") as f:
        f.write(text)
    if run.c["doc"]:
        doc_sections.write(run.c["doc"], text)
        say("wrote the Scale-out section of docs/benchmarks.md")
    else:
        say("--no-doc: the section is in %s/section.md" % run.rel_out)
    summary = report.summary(m, run.sends, run.hooks, run.failed)
    with open(run.path("summary.txt"), "w") as f:
        f.write(summary)
    print(summary, end="", flush=True)
    return 1 if run.failed else 0


def measure_and_report(config):
    with ScaleStack(stack_config(config)) as stack:
        run = Run(config, stack)
        measure(run)
    return write_report(run)


def main(argv):
    return config_main(
        argv, __doc__, measure_and_report, (DrillAbort, postgres.PsqlError, OSError, ValueError), say)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
