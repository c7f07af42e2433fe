"""The `geoaq` command: the group `main` and its commands, one module per command group.

`_common` holds what the commands share (options, output, the error policy of `GeoaqGroup`);
`layers` (ingest, rejects, layers), `demo`, `fires`, `aq`, `report`, `route`, `routes` (saved routes, findings), `feeds`,
`emergency`, `users`, `rank`, `peers`, `progress` and
`bulletin` the commands.
"""

from __future__ import annotations

import click

from geoaq.cli import (
    aq,
    bulletin,
    demo,
    emergency,
    feeds,
    fires,
    layers,
    peers,
    progress,
    rank,
    report,
    route,
    routes,
    users,
)
from geoaq.cli._common import AS_OPTION, CONTEXT_SETTINGS, LANG_OPTION, GeoaqGroup


@click.group(cls=GeoaqGroup, context_settings=CONTEXT_SETTINGS)
@LANG_OPTION
@AS_OPTION
def main(lang: str | None, as_account: str | None) -> None:
    """geoaq: air-pollution governance on a map (stations, mines, control zones,
    enterprises, satellite fire points) in one DuckDB file."""


main.add_command(layers.ingest)
main.add_command(layers.rejects)
main.add_command(layers.layers)
main.add_command(demo.demo)
main.add_command(fires.fires)
main.add_command(aq.aq)
main.add_command(report.report)
main.add_command(route.route)
main.add_command(routes.routes)
main.add_command(feeds.feeds)
main.add_command(emergency.emergency)
main.add_command(users.users)
main.add_command(rank.rank)
main.add_command(peers.peers)
main.add_command(progress.progress)
main.add_command(bulletin.bulletin)
