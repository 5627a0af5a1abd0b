"""The Markdown report of bench.faults, from its results (bench/out/faults/results.json)."""


def render(results, info):
    setup = info["setup"]
    commit = info["commit"][:9] + (" (with uncommitted changes)" if info["dirty"] else "")
    lines = [
        "# Faults under load",
        "",
        f"`{info['command']}`, {info['date']}, commit {commit}, {seconds(info['wall_s'])} in all.",
        "",
        f"Machine: {info['nproc']} CPUs ({info['cpu']}), {info['memory_gib']} GiB, "
        f"Python {info['python']}, PostgreSQL {info['postgresql']} on {info['server']}, "
        f"Django {info['packages'].get('Django')}, gunicorn {info['packages'].get('gunicorn')}.",
        "",
        f"Each phase: {setup['clients']} readers for {setup['seconds']:g} s (search API pages "
        "with varying queries 60%, article pages 30%, the front page 10%) and one editor saving "
        f"an edit every {setup['edit_interval']:g} s through the ORM; the fault comes "
        f"{setup['inject_at']:g} s in. The site: gunicorn (2 sync workers) and run_indexer under "
        "supervisord (autorestart), production settings, PostgreSQL, "
        f"{setup['articles']:,} generated articles and the seed. A reader pauses "
        f"{setup['failure_pause']:g} s after a 503 or a failed connection.",
        "",
        "| phase | requests | 2xx | 503 (with Retry-After) | other 4xx | other 5xx "
        "| connection errors | back to 2xx | index caught up | edits | lost |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for result in results:
        if "skipped" in result:
            lines.append(f"| {result['fault']} | skipped: {result['skipped']} |" + " |" * 9)
            continue
        requests, edits = result["requests"], result["edits"]
        injected = "recovery_s" in requests
        with_retry = requests["503"] - requests["503_without_retry_after"]
        lines.append(
            f"| {result['fault']} | {requests['total']:,} | {requests['2xx']:,} "
            f"| {requests['503']:,} ({with_retry:,}) | {requests['4xx']:,} "
            f"| {requests['5xx_other']:,} | {requests['connection_errors']:,} "
            f"| {seconds(requests['recovery_s']) if injected else '—'} "
            f"| {seconds(result['health'].get('recovery_s')) if injected else '—'} "
            f"| {edits['committed']:,} | {lost(edits)} |"
        )
    lines += [
        "",
        "*back to 2xx*: from the injection to the first 2xx answer after the last failed request "
        "(a 5xx or a failed connection); 0 when none failed. *index caught up*: from the "
        f"injection until /healthz, read every {setup['health_interval']:g} s, answers with no "
        f"change pending for {setup['caught_up_seconds']:g} s or longer again, after the first "
        "reading that did not (0 when none did): with an edit every "
        f"{setup['edit_interval']:g} s, a change or two pending for less is the normal state "
        "under load. *edits*: committed saves. *lost*: committed saves missing from the "
        'database, or not found by the search API (`q="token"`) once /healthz reports lag 0 '
        "after the load.",
        "",
        "## Requirements",
        "",
    ]
    ran = [result for result in results if "skipped" not in result]
    lost_edits = sum(lost(result["edits"]) for result in ran)
    other_5xx = sum(result["requests"]["5xx_other"] for result in ran)
    bare_503 = sum(result["requests"]["503_without_retry_after"] for result in ran)
    unrecovered = [result["fault"] for result in ran if not recovered(result)]
    blind = [result["fault"] for result in ran if result["edits"]["control_found"]]
    lines += [
        "- No lost edit: " + ("yes." if not lost_edits else f"**no**, {lost_edits} lost."),
        "- No 500 page: "
        + ("yes." if not other_5xx else f"**no**, {other_5xx} other 5xx answers."),
        "- Every 503 carries Retry-After: "
        + ("yes." if not bare_503 else f"**no**, {bare_503} without."),
        "- Recovery without a human: "
        + ("yes" if not unrecovered else f"**no**: {', '.join(unrecovered)}")
        + " (only gunicorn, supervisord and the processes themselves acted).",
    ]
    if blind:
        lines.append(
            f"- **The search check cannot fail** in: {', '.join(blind)} (a token never saved "
            "was found)."
        )
    skipped = [result for result in results if "skipped" in result]
    if skipped:
        lines.append(
            "- Not measured: "
            + "; ".join(f"{result['fault']} ({result['skipped']})" for result in skipped)
            + "."
        )
    lines += ["", "## Phases", ""]
    for result in ran:
        lines += phase_details(result)
    lines += [
        "Logs of the run: bench/out/faults/logs/ (supervisord, web, access, indexer, editor). "
        "Raw results: bench/out/faults/results.json.",
        "",
    ]
    return "\n".join(lines)


def phase_details(result):
    requests, edits, health = result["requests"], result["edits"], result["health"]
    injection = result.get("injection", {})
    before, after = result["before"], result["after"]
    lines = [f"### {result['fault']}", ""]
    if "killed" in injection:
        lines.append(
            f"- Killed {injection['was']} {injection['killed']} at {result['injected_at_s']:.1f} s."
        )
    if "restart_s" in injection:
        lines.append(
            f"- Restarted PostgreSQL, {injection['server']}, at {result['injected_at_s']:.1f} s: "
            f"the restart command took {injection['restart_s']:.1f} s."
        )
    lines.append(
        f"- Processes before → after: gunicorn workers {before['gunicorn_workers']} → "
        f"{after['gunicorn_workers']}, indexer {before['indexer']} → {after['indexer']}."
    )
    if "p50_ms" in requests:
        lines.append(
            f"- {requests['total'] / result['duration_s']:.0f} requests/s; 2xx latency p50 "
            f"{requests['p50_ms']:.0f} ms, p95 {requests['p95_ms']:.0f} ms. Load average "
            f"{result['loadavg']} as the phase began."
        )
    if "failures_from_s" in requests:
        lines.append(
            f"- Failed requests from {requests['failures_from_s']:.1f} s to "
            f"{requests['failures_to_s']:.1f} s into the phase."
        )
    answers = ", ".join(f"{key}: {count:,}" for key, count in sorted(requests["by_status"].items()))
    lines.append(f"- Answers by page and status: {answers}.")
    lines.append(
        f"- /healthz: {health['samples']} readings, {health['behind']} behind (of which "
        f"{health['503']} 503), largest lag {health['max_lag']} changes and "
        f"{health['max_lag_s']:g} s; lag 0 {result['catch_up_s']:.1f} s after the load ended."
    )
    failed = "; ".join(f"{kind} ×{count}" for kind, count in edits["failure_kinds"].items())
    lines.append(
        f"- Edits: {edits['attempted']} attempted, {edits['committed']} committed, "
        f"{edits['failed']} failed (rolled back{': ' + failed if failed else ''}), "
        f"{edits['failed_but_stored']} failed but stored; lost from the database "
        f"{len(edits['lost_database'])}, from search {len(edits['lost_search'])}."
    )
    for path, status, body in result["unexpected"]:
        lines.append(f"- **{status}** for `{path}` (see the web log): `{body[:200]!r}`.")
    lines.append("")
    return lines


def brief(result):
    """One line for the log."""
    if "skipped" in result:
        return f"skipped: {result['skipped']}"
    requests, edits = result["requests"], result["edits"]
    return (
        f"{requests['total']} requests, {requests['2xx']} 2xx, {requests['503']} 503, "
        f"{requests['5xx_other']} other 5xx, {requests['connection_errors']} connection errors; "
        f"back to 2xx {seconds(requests.get('recovery_s', '—'))}, index caught up "
        f"{seconds(result['health'].get('recovery_s', '—'))}; "
        f"{edits['committed']} edits, {lost(edits)} lost"
    )


def passed(result):
    """Whether a phase met the requirements (a skipped one did not fail them)."""
    if "skipped" in result:
        return True
    requests = result["requests"]
    return (
        not lost(result["edits"])
        and not result["edits"]["control_found"]
        and requests["5xx_other"] == 0
        and requests["503_without_retry_after"] == 0
        and recovered(result)
    )


def recovered(result):
    return (
        result["requests"].get("recovery_s", 0.0) is not None
        and result["health"].get("recovery_s", 0.0) is not None
    )


def lost(edits):
    return len(set(edits["lost_database"]) | set(edits["lost_search"]))


def seconds(value):
    if value is None:
        return "not recovered"
    if isinstance(value, str):
        return value
    return f"{value:.1f} s"
