"""Command line for the benchmarks: `python -m bench {load,pages,shared,startup,generate} --help`."""
import argparse
import sys

from bench import generate, load, pages, server, shared, startup


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    sub = parser.add_subparsers(dest="command", required=True)
    p_load = sub.add_parser("load", help="concurrent clients on gunicorn: errors, lost updates, latency")
    p_load.add_argument("--clients", type=int, default=20)
    p_load.add_argument("--seconds", type=float, default=15)
    p_load.add_argument("--workers", type=int, default=4)
    p_load.add_argument("--database-url", default=None, help="PostgreSQL URL (default: SQLite)")
    p_pages = sub.add_parser("pages", help="page latency, SQL per page and worker memory on a large dataset")
    p_pages.add_argument("--clients", type=int, default=10)
    p_pages.add_argument("--requests", type=int, default=20, help="requests per client and page (Python clients)")
    p_pages.add_argument("--seconds", type=int, default=8, help="whole seconds per page (wrk)")
    p_pages.add_argument("--python-clients", action="store_true", help="drive pages with Python threads, not wrk")
    p_pages.add_argument("--workers", type=int, default=4)
    p_pages.add_argument("--database-url", default=None, help="PostgreSQL URL (default: SQLite)")
    p_pages.add_argument("--alone-only", action="store_true",
                         help="only each page alone, in-process, on demo data and at scale (no gunicorn)")
    p_shared = sub.add_parser("shared", help="several municipalities on one server, driven at the same time")
    p_shared.add_argument("--municipalities", type=int, default=shared.COUNT)
    p_shared.add_argument("--clients", type=int, default=10, help="connections in all, split between them")
    p_shared.add_argument("--seconds", type=int, default=8, help="whole seconds per page (wrk)")
    p_shared.add_argument("--workers", type=int, default=2, help="gunicorn workers per municipality")
    p_shared.add_argument("--database-url", default=None,
                          help="PostgreSQL URL; each municipality gets a database named after it (default: SQLite)")
    p_startup = sub.add_parser("startup", help="cold start of a new process and one worker's memory")
    p_startup.add_argument("--runs", type=int, default=5, help="fresh processes to time")
    p_startup.add_argument("--database-url", default=None, help="PostgreSQL URL (default: SQLite)")
    sub.add_parser("generate", help="add a large municipality to the configured database")
    args = parser.parse_args(argv)

    if args.command == "pages" and args.alone_only:
        engine = "PostgreSQL" if args.database_url else "SQLite"
        print(pages.report_alone(pages.run_alone(args.database_url), engine))
        return 0
    if args.command == "pages":
        result = pages.run(args.database_url, args.clients, args.requests, args.workers, args.seconds,
                           use_wrk=False if args.python_clients else None)
        print(pages.report(result, "PostgreSQL" if args.database_url else "SQLite"))
        return 0 if not any(t.errors for t in result["timings"]) else 1
    if args.command == "shared":
        result = shared.run(args.database_url, args.municipalities, args.clients, args.workers, args.seconds)
        print(shared.report(result, "PostgreSQL" if args.database_url else "SQLite"))
        failed = any(r["errors"] for _, runs in result.timings for r in runs)
        return 0 if not failed and result.own_name_only and result.foreign_login_refused else 1
    if args.command == "startup":
        engine = "PostgreSQL" if args.database_url else "SQLite"
        print(startup.report(startup.run(args.database_url, args.runs), engine))
        return 0
    if args.command == "generate":
        from register import create_app
        from register.core.history import verify_chain
        from register.extensions import db

        with create_app().app_context():
            print(generate.generate(generate.Scale()))
            print(verify_chain(db.session))
        return 0

    if args.command == "load":
        with server.instance(args.database_url) as (path, env), server.gunicorn(path, env, args.workers) as (url, _):
            result = load.run(url, args.clients, args.seconds)
        db = "PostgreSQL" if args.database_url else "SQLite"
        print(f"load on {db}, gunicorn {args.workers} workers, {result['clients']} clients: "
              f"{result['requests']} requests, {result['throughput']:.0f} req/s, "
              f"median {result['median_ms']:.1f} ms, p95 {result['p95_ms']:.1f} ms")
        print(f"saves confirmed {result['saves']}, conflicts retried {result['conflicts']}, "
              f"counter {result['counter']}, lost updates {result['lost_updates']}, errors {len(result['errors'])}")
        for error in result["errors"][:10]:
            print("  error:", error)
        return 0 if not result["errors"] and result["lost_updates"] == 0 else 1
    return 2


if __name__ == "__main__":
    sys.exit(main())
