"""The `geoaq` command line: ingest files, list rejects, build the demo, list layers.

Every command takes `--db PATH` (default `$GEOAQ_DB`, else `data/geoaq.duckdb`). Errors are
one clear line on stderr and a non-zero exit code, never a traceback.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any

import click

from geoaq import config, db, store
from geoaq._errors import GeoaqError
from geoaq.layers import load_registry

DB_OPTION = click.option(
    "--db", "db_path", type=click.Path(dir_okay=False), default=None,
    help="DuckDB file (default: $GEOAQ_DB, else data/geoaq.duckdb).",
)


def _friendly_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn geoaq's deliberate errors into `error: …` and exit code 1."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except GeoaqError as exc:
            raise click.ClickException(str(exc)) from None

    return wrapper


def _pairs(values: tuple[str, ...], option: str) -> dict[str, str]:
    pairs = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"expected COLUMN=VALUE, got {item!r}", param_hint=option)
        pairs[key.strip()] = value.strip()
    return pairs


class _ProgressBar:
    """A tqdm bar on stderr fed by ingest's progress callback (hidden when not a terminal)."""

    def __init__(self) -> None:
        self.bar = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        from tqdm import tqdm

        if self.bar is None and stage != "reading":
            self.bar = tqdm(total=total, unit=" rows", unit_scale=True, file=sys.stderr,
                            disable=None, leave=False)
        if self.bar is not None:
            self.bar.set_description(stage)
            self.bar.update(done - self.bar.n)
            if stage == "done":
                self.bar.close()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """geoaq: air-pollution governance on a map (stations, mines, control zones,
    enterprises, satellite fire points) in one DuckDB file."""


@main.command()
@click.argument("layer")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--crs", default=None, help="Source CRS: EPSG:xxxx, gcj02 or bd09 (default: the file's own, else the layer's).")
@click.option("--encoding", default="auto", show_default=True, help="auto, utf-8 or gbk.")
@click.option("--lon-col", default=None, help="Longitude column (when not recognised by name).")
@click.option("--lat-col", default=None, help="Latitude column (when not recognised by name).")
@click.option("--map", "mappings", multiple=True, metavar="COLUMN=FILE_COLUMN",
              help="Take a layer column from a differently named file column (repeatable).")
@click.option("--set", "constants", multiple=True, metavar="COLUMN=VALUE",
              help="Give a column the file lacks one value for every row (repeatable).")
@click.option("--source-layer", default=None, help="Layer inside a multi-layer GeoPackage.")
@DB_OPTION
@_friendly_errors
def ingest(layer: str, path: str, crs: str | None, encoding: str, lon_col: str | None,
           lat_col: str | None, mappings: tuple[str, ...], constants: tuple[str, ...],
           source_layer: str | None, db_path: str | None) -> None:
    """Load PATH into LAYER; bad rows go to the rejects table with the reason."""
    from geoaq.ingest import ingest as run_ingest

    report = run_ingest(
        layer, path, db=db_path, crs=crs, encoding=encoding, lon_col=lon_col, lat_col=lat_col,
        column_map=_pairs(mappings, "--map") or None, constants=_pairs(constants, "--set") or None,
        source_layer=source_layer, progress=_ProgressBar(),
    )
    click.echo(report.summary())


@main.command()
@click.option("--layer", default=None, help="Only this layer's rejects.")
@click.option("--format", "output", type=click.Choice(["table", "csv"]), default="table", show_default=True)
@DB_OPTION
@_friendly_errors
def rejects(layer: str | None, output: str, db_path: str | None) -> None:
    """List rejected rows: file, row, column, value and reason (newest load first)."""
    con = db.connect(db_path)
    try:
        frame = store.list_rejects(con, layer)
    finally:
        con.close()
    if output == "csv":
        click.echo(frame.to_csv(index=False), nl=False)
    elif frame.empty:
        click.echo("no rejects" + (f" for layer {layer}" if layer else ""))
    else:
        click.echo(frame.drop(columns=["rejected_at"]).to_string(index=False))


@main.command()
@DB_OPTION
@_friendly_errors
def demo(db_path: str | None) -> None:
    """(Re)build the 洛阳市 demo database from data/demo/ (real files + 演示数据)."""
    from geoaq.demo import build_demo

    target = config.db_path(db_path)
    click.echo(f"building the demo database {target} …")

    def _show(load, report) -> None:
        tag = " [演示数据]" if load.synthetic else ""
        click.echo(f"  {report.layer:<14} {load.file.name}{tag}: loaded {report.loaded:,}, "
                   f"rejected {report.rejected_rows:,} ({report.seconds:.1f} s)")

    reports = build_demo(db_path, on_report=_show, progress=_ProgressBar())
    click.echo(f"done: {len(reports)} files, {sum(r.loaded for r in reports):,} rows → {target}")


@main.command()
@DB_OPTION
@_friendly_errors
def layers(db_path: str | None) -> None:
    """List the registered layers with their row counts."""
    registry = load_registry()
    path = config.db_path(db_path)
    counts: dict[str, tuple[int, int]] = {}
    if path.exists():
        con = db.connect(path, read_only=True)
        try:
            counts = store.layer_counts(con, list(registry.values()))
        finally:
            con.close()
    for name, spec in registry.items():
        rows, synthetic = counts.get(name, (0, 0))
        extra = f" (演示数据 {synthetic:,})" if synthetic else ""
        click.echo(f"{name:<14} {spec.title_zh} / {spec.title_en}: {rows:,} rows{extra}  "
                   f"[{', '.join(spec.geometry_types)}; key {'+'.join(spec.natural_key)}]")


if __name__ == "__main__":  # pragma: no cover
    main()
