"""Scheduled feeds: data the service fetches by itself, each run idempotent and resumable.

* `config` — the feeds file (``feeds.toml``): which feeds, how often, where from, the limits;
* `http` — the session (timeouts, retries with back-off), downloads that refuse a short
  answer, and the masking of secrets in messages and logs;
* `files` — a downloaded CSV's header and lines, and whether it is whole;
* `runs` — the ``feed_runs`` table: every request, its result, each feed's last success;
* `firms` — NASA FIRMS active fires (area API) into ``fire_points``;
* `cnemc` — the hourly national live release into ``readings``;
* `scheduler` — one run now, or on a schedule (APScheduler) in the app's server or a service.

Both feeds load through the same ingest path as a file loaded by hand (one transaction per
file, rejects, natural keys), so a repeated request adds nothing and a run killed half-way
leaves the data as they were; the next run asks again what is missing.
"""
