"""Bench: the annual HJ 663 evaluation of N stations × H hours through `geoaq.aq.evaluation`.

Generates plausible hourly readings (log-normal levels per station, diurnal and seasonal
cycles, ozone peaking in the afternoon and in summer, about 1.5 % of values missing, a few
multi-day outages), then in the same run:
  * geoaq:  `evaluation.evaluate(...)` — daily values with every validity rule, O3 daily
            maximum 8-hour means, daily AQI, percentiles, good-day ratio, composite index;
  * geoaq:  `evaluation.evaluate(..., by="city")` — 1 area per 10 stations (hourly area means);
  * peer:   a plain pandas groupby of the same annual means (daily means per station and
            day, then their mean per station; no validity rules, no O3, no AQI).
Times are wall-clock seconds of the call alone (data already in memory); memory is the peak
of what the call allocates (tracemalloc, a second run) and the process's peak RSS.

    .venv/bin/python bench/aq.py [--stations 1600] [--hours 8760] [--seed 1]
"""

from __future__ import annotations

import argparse
import resource
import time
import tracemalloc

import numpy as np
import pandas as pd

from geoaq.aq import evaluation

POLLUTANTS = ("pm25", "pm10", "so2", "no2", "o3", "co")


def generate(stations: int, hours: int, seed: int = 1) -> pd.DataFrame:
    """Hourly readings of `stations` stations from 2023-01-01 00:00 Beijing time."""
    rng = np.random.default_rng(seed)
    times = pd.date_range("2023-01-01", periods=hours, freq="h")
    hour = times.hour.to_numpy()[None, :]
    season = np.cos(2 * np.pi * (times.day_of_year.to_numpy()[None, :] - 15) / 365.25)  # 1 in Jan
    level = rng.lognormal(0.0, 0.35, size=(stations, 1))
    weather = np.cumsum(rng.normal(0, 0.08, size=(stations, hours)), axis=1)
    weather -= np.linspace(0, 1, hours)[None, :] * weather[:, -1:]  # keep it stationary
    base = level * np.exp(0.45 * season + 0.9 * np.tanh(weather))
    night = 1 + 0.2 * np.cos(2 * np.pi * (hour - 2) / 24)
    values = {
        "pm25": 38 * base * night * rng.lognormal(0, 0.15, (stations, hours)),
        "so2": 9 * base * rng.lognormal(0, 0.2, (stations, hours)),
        "no2": 28 * level * (1 + 0.3 * np.cos(2 * np.pi * (hour - 20) / 24))
               * rng.lognormal(0, 0.2, (stations, hours)),
        "co": 0.8 * base * rng.lognormal(0, 0.15, (stations, hours)),
        "o3": np.clip(55 * (1 - 0.4 * season) * (1 + 0.9 * np.cos(2 * np.pi * (hour - 15) / 24))
                      * rng.lognormal(0, 0.2, (stations, hours)), 2, None),
    }
    values["pm10"] = values["pm25"] * rng.uniform(1.5, 2.1, (stations, 1))
    missing = rng.random((stations, hours)) < 0.01            # whole hours lost
    for _ in range(stations // 20):                            # outages of 1-5 days
        s, t = rng.integers(stations), rng.integers(hours)
        missing[s, t:t + int(rng.integers(24, 120))] = True
    codes = np.array([f"{1001 + i}A" for i in range(stations)], dtype=object)
    frame = {"station_code": np.repeat(codes, hours),
             "time_bjt": np.tile(times.to_numpy(), stations)}
    for name in POLLUTANTS:
        grid = np.round(values[name], 3 if name == "co" else 0)
        grid[missing | (rng.random((stations, hours)) < 0.005)] = np.nan  # single values lost
        frame[name] = grid.ravel()
    return pd.DataFrame(frame)


def peer_annual_means(hourly: pd.DataFrame) -> pd.DataFrame:
    """The straightforward pandas way: daily means, then their mean per station."""
    day = hourly["time_bjt"].dt.floor("D")
    cols = ["so2", "no2", "pm10", "pm25"]
    daily = hourly[cols].groupby([hourly["station_code"], day]).mean()
    return daily.groupby(level=0).mean()


def timed(label: str, fn, *, trace: bool) -> tuple[object, float]:
    start = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - start
    peak = ""
    if trace:
        tracemalloc.start()
        fn()
        peak = f", allocated peak {tracemalloc.get_traced_memory()[1] / 2**20:,.0f} MiB"
        tracemalloc.stop()
    print(f"{label:<44} {seconds:7.2f} s{peak}")
    return result, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stations", type=int, default=1600)
    parser.add_argument("--hours", type=int, default=8760)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-trace", action="store_true", help="skip the tracemalloc reruns")
    args = parser.parse_args()

    t0 = time.perf_counter()
    hourly = generate(args.stations, args.hours, args.seed)
    start = hourly["time_bjt"].min().date()
    end = hourly["time_bjt"].max().date()
    print(f"generated {len(hourly):,} rows ({args.stations:,} stations × {args.hours:,} hours, "
          f"{hourly[list(POLLUTANTS)].isna().to_numpy().mean():.1%} of values missing) in "
          f"{time.perf_counter() - t0:.1f} s; {hourly.memory_usage(deep=False).sum() / 2**20:,.0f} MiB")
    print(f"period {start} … {end}")
    trace = not args.no_trace
    result, t_geoaq = timed("geoaq evaluate (stations, all rules)",
                            lambda: evaluation.evaluate(hourly, start, end), trace=trace)
    groups = {code: f"city{i // 10:03d}" for i, code in enumerate(sorted(hourly["station_code"].unique()))}
    cities, _t = timed("geoaq evaluate (by city, 10 stations each)",
                       lambda: evaluation.evaluate(hourly, start, end, by="city", groups=groups),
                       trace=trace)
    peer, t_peer = timed("peer pandas groupby annual means (no rules)",
                         lambda: peer_annual_means(hourly), trace=trace)

    print(f"ratio geoaq / peer: {t_geoaq / t_peer:.2f}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10
    print(f"process peak RSS {rss:,.0f} MiB (includes the generated data)")
    ours = result.set_index("station_code")["pm25_mean"]
    both = ours.notna()
    diff = (ours[both] - peer.loc[ours.index[both], "pm25"]).abs()
    print(f"stations evaluated {len(result):,}: {int((result['status'] == '有效').sum()):,} valid, "
          f"{int((result['status'] != '有效').sum()):,} 数据不足; PM2.5 annual mean vs peer "
          f"(valid stations; the peer keeps days < 20 h): max |Δ| {diff.max():.3f} µg/m³")
    print(f"cities {len(cities):,}: {int((cities['status'] == '有效').sum()):,} valid; "
          f"median 优良天数比率 {cities['good_day_ratio'].median():.1f} %, "
          f"median 综合指数 {cities['composite_index'].median():.2f}")


if __name__ == "__main__":
    main()
