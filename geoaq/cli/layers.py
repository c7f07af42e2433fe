"""`geoaq ingest`, `geoaq rejects`, `geoaq layers`: load a file into a layer, list the rows it
refused, list the layers with their row counts."""

from __future__ import annotations

import click

from geoaq import config
from geoaq.cli._common import (
    DB_OPTION,
    GeoaqCommand,
    ProgressBar,
    connected,
    format_option,
    language,
    pairs,
)
from geoaq.db import connection as db
from geoaq.db import store
from geoaq.i18n import t
from geoaq.layers import load_registry


@click.command(cls=GeoaqCommand)
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
def ingest(layer: str, path: str, crs: str | None, encoding: str, lon_col: str | None,
           lat_col: str | None, mappings: tuple[str, ...], constants: tuple[str, ...],
           source_layer: str | None, db_path: str | None) -> None:
    """Load PATH into LAYER; bad rows go to the rejects table with the reason."""
    from geoaq.ingest.layer import ingest as run_ingest

    report = run_ingest(
        layer, path, db=db_path, crs=crs, encoding=encoding, lon_col=lon_col, lat_col=lat_col,
        column_map=pairs(mappings, "--map") or None, constants=pairs(constants, "--set") or None,
        source_layer=source_layer, progress=ProgressBar(),
    )
    click.echo(report.summary())
    if report.layer == "fire_points" and (report.inserted or report.updated):
        from geoaq.fires.check import regroup_after_load

        with connected(db_path) as con:
            regrouped = regroup_after_load(con)
        click.echo(t("cli.layers.fire_events_regrouped", language(), events=regrouped.events,
                     detections=regrouped.detections))


@click.command(cls=GeoaqCommand)
@click.option("--layer", default=None, help="Only this layer's rejects.")
@format_option("table", "csv")
@DB_OPTION
def rejects(layer: str | None, output: str, db_path: str | None) -> None:
    """List rejected rows: file, row, column, value and reason (newest load first)."""
    with connected(db_path) as con:
        frame = store.list_rejects(con, layer)
    if output == "csv":
        click.echo(frame.to_csv(index=False), nl=False)
    elif frame.empty:
        click.echo(t("cli.layers.no_rejects_of", language(), layer=layer) if layer
                   else t("cli.layers.no_rejects", language()))
    else:
        click.echo(frame.drop(columns=["rejected_at"]).to_string(index=False))


@click.command(cls=GeoaqCommand)
@DB_OPTION
def layers(db_path: str | None) -> None:
    """List the registered layers with their row counts."""
    registry = load_registry()
    path = config.db_path(db_path)
    counts: dict[str, tuple[int, int]] = {}
    if path.exists():  # no database yet: every layer has 0 rows
        con = db.connect(path, read_only=True)
        try:
            counts = store.layer_counts(con, list(registry.values()))
        finally:
            con.close()
    lang = language()
    for name, spec in registry.items():
        rows, synthetic = counts.get(name, (0, 0))
        extra = t("cli.layers.synthetic", lang, n=synthetic) if synthetic else ""
        click.echo(t("cli.layers.layer", lang, name=name, title_zh=spec.title_zh, title_en=spec.title_en, rows=rows,
                     extra=extra, geometry=", ".join(spec.geometry_types), key="+".join(spec.natural_key)))
