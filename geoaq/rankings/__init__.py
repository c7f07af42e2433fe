"""排名、通报与时序进度: where each county stands, how it moved, and whether the year's target is
still reachable.

Modules: `rules` (rankings.toml and the ranking metrics), `periods` (a month, quarter, year to
date or year, and the periods its moves are measured against), `units` (counties, townships,
zones, cities or stations and their evaluation stations), `ranking` (values, ranks, ties, moves,
contributors), `peers` (the peer tables a province or the ministry publishes, loaded and the
city's own figures placed among them; rank targets), `progress` (时序进度: the allowance of the
rest of a target's period and its days at risk), `bulletin` (the monthly 通报 as Excel and
printable HTML), `present` (tables worded for people).
"""
